"""Metric histories: long series, paging through get-history, and the UI's bulk and sampled endpoints."""
import mlflow
from mlflow.entities import Metric
from harness import emit, name, observe, rest

c = mlflow.MlflowClient()
mlflow.set_experiment(name("hist"))
runs = []
for n in (1000, 37):
    with mlflow.start_run() as run:
        for s in range(0, n, 1000):
            c.log_batch(run.info.run_id, metrics=[Metric("loss", 1.0 / (i + 1), 1700000000000 + i, i) for i in range(s, min(n, s + 1000))])
        c.log_metric(run.info.run_id, "loss", 0.5, step=5, timestamp=1800000000000)  # a second value at one step
        c.log_metric(run.info.run_id, "other", 1.0)
    runs.append(run.info.run_id)
a, b = runs
observe("history length", lambda: len(c.get_metric_history(a, "loss")))
observe("history head", lambda: [(m.step, m.value) for m in c.get_metric_history(a, "loss")[:8]])
observe("history short", lambda: [(m.step, m.value) for m in c.get_metric_history(b, "loss")])
base = "/ajax-api/2.0/mlflow/metrics"
who = {a: "a", b: "b"}  # run ids are random: name them, so an order by run id compares on both sides
pts = lambda body: {"n": len(body.get("metrics", [])), "steps": sorted((who.get(m.get("run_id"), "?"), m["step"]) for m in body.get("metrics", []))[:40], **({"error_code": body["error_code"]} if "error_code" in body else {})}  # noqa: E731
rest("bulk-interval default", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": [a, b], "metric_key": "loss"}, keep=pts)
rest("bulk-interval 10", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": [a, b], "metric_key": "loss", "max_results": 10}, keep=pts)
rest("bulk-interval 10 full", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": [a], "metric_key": "loss", "max_results": 10},
     keep=lambda body: sorted((m["step"], m["value"]) for m in body.get("metrics", [])))
rest("bulk-interval range", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": [a], "metric_key": "loss", "start_step": 100, "end_step": 200, "max_results": 5},
     keep=lambda body: sorted((m["step"], m["value"]) for m in body.get("metrics", [])))
rest("bulk-interval 1", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": [a], "metric_key": "loss", "max_results": 1}, keep=pts)
rest("bulk-interval one side", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": [a], "metric_key": "loss", "start_step": 3})
rest("bulk-interval 0", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": [a], "metric_key": "loss", "max_results": 0})
rest("bulk-interval no runs", "GET", f"{base}/get-history-bulk-interval", params={"metric_key": "loss"})
rest("bulk-interval missing run", "GET", f"{base}/get-history-bulk-interval", params={"run_ids": ["0" * 32], "metric_key": "loss"}, keep=pts)
rest("bulk", "GET", f"{base}/get-history-bulk", params={"run_id": [a, b], "metric_key": "loss", "max_results": 2000}, keep=pts)
rest("bulk limit", "GET", f"{base}/get-history-bulk", params={"run_id": [b], "metric_key": "loss", "max_results": 5}, keep=pts)
rest("bulk all", "GET", f"{base}/get-history-bulk", params={"run_id": [b], "metric_key": "loss"}, keep=pts)
rest("bulk no key", "GET", f"{base}/get-history-bulk", params={"run_id": [b]}, keep=pts)
rest("bulk no run", "GET", f"{base}/get-history-bulk", params={"metric_key": "loss"}, keep=pts)
rest("get-history paged", "GET", "/api/2.0/mlflow/metrics/get-history", params={"run_id": b, "metric_key": "loss", "max_results": 10},
     keep=lambda body: {"n": len(body.get("metrics", [])), "token": "next_page_token" in body})
rest("get-history missing run", "GET", "/api/2.0/mlflow/metrics/get-history", params={"run_id": "0" * 32, "metric_key": "loss"})
rest("get-history no key", "GET", "/api/2.0/mlflow/metrics/get-history", params={"run_id": b})
emit()
