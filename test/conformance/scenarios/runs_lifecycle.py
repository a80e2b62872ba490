"""Runs: nested runs, statuses, system tags, names, delete/restore, errors."""
import re

import mlflow
from harness import emit, name, observe

c = mlflow.MlflowClient()
mlflow.set_experiment(name("runs"))
with mlflow.start_run(run_name="parent") as parent:
    with mlflow.start_run(run_name="child", nested=True) as child:
        pass
observe("parent", c.get_run, parent.info.run_id)
observe("child", c.get_run, child.info.run_id)
observe("child tags", lambda: c.get_run(child.info.run_id).data.tags)
exp = mlflow.get_experiment_by_name(name("runs")).experiment_id
for status in ["FINISHED", "FAILED", "KILLED"]:
    r = c.create_run(exp, run_name=f"s-{status}")
    c.set_terminated(r.info.run_id, status)
    observe(f"terminated {status}", lambda: c.get_run(r.info.run_id).info)
r = observe("create_run bare", c.create_run, exp)
observe("create_run bare tags", lambda: c.get_run(r.info.run_id).data.tags)
r2 = observe("create_run tags", c.create_run, exp, tags={"a": "b", "mlflow.user": "someone"}, run_name="named")
observe("update name", c.update_run, r2.info.run_id, name="renamed")
observe("after rename", lambda: (c.get_run(r2.info.run_id).info.run_name, c.get_run(r2.info.run_id).data.tags.get("mlflow.runName")))
observe("update status", c.update_run, r2.info.run_id, status="RUNNING")
observe("bad status", c.update_run, r2.info.run_id, status="NOPE")
observe("restore active run", c.restore_run, r2.info.run_id)
observe("delete", c.delete_run, r2.info.run_id)
observe("deleted info", lambda: c.get_run(r2.info.run_id).info.lifecycle_stage)
observe("delete again", c.delete_run, r2.info.run_id)
observe("log to deleted", c.log_param, r2.info.run_id, "p", "1")
observe("restore", c.restore_run, r2.info.run_id)
observe("get missing", c.get_run, "0" * 32)
observe("get malformed", c.get_run, "not-a-run")
observe("create in missing exp", c.create_run, "98765")
with mlflow.start_run(run_name="failing") as f:
    pass
observe("run failing end", lambda: c.get_run(f.info.run_id).info.status)
try:
    with mlflow.start_run(run_name="raises") as rr:
        raise ValueError("boom")
except ValueError:
    pass
observe("exception status", lambda: c.get_run(rr.info.run_id).info.status)
observe("search runs of exp", lambda: sorted(n for n in (r.info.run_name for r in c.search_runs([exp])) if not re.fullmatch(r"[a-z]+-[a-z]+-\d+", n)))
emit()
