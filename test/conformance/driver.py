"""Runs conformance scenarios in one Python process (importing mlflow once) against MLFLOW_TRACKING_URI.

python3 driver.py OUT.jsonl scenario.py...  writes one JSON line per scenario: its name and observations,
or the traceback of a crash. Each scenario gets its own CONF_PREFIX so names do not collide.
"""

import json
import os
import runpy
import sys
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
os.environ["CONF_DRIVER"] = "1"
import harness  # noqa: E402
import mlflow  # noqa: E402

out_path, scenarios = sys.argv[1], sys.argv[2:]
with open(out_path, "w", encoding="utf-8") as out:
    for path in scenarios:
        name = os.path.splitext(os.path.basename(path))[0]
        os.environ["CONF_PREFIX"] = harness.PREFIX = f"conf-{name}"
        harness.OBS.clear()
        crash = None
        t0 = time.time()
        try:
            runpy.run_path(path, run_name="__main__")
        except BaseException:  # noqa: BLE001 - a crash is reported, the next scenario still runs
            crash = traceback.format_exc(limit=8)
        while mlflow.active_run():
            mlflow.end_run()
        line = {"scenario": name, "observations": list(harness.OBS), "crash": crash, "seconds": round(time.time() - t0, 1)}
        out.write(json.dumps(line, sort_keys=True, default=repr) + "\n")
        out.flush()
