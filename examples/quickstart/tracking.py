"""Logging for train.py.

Uses the real `mlflow` client when it is installed. Otherwise a few lines of standard-library HTTP speak the
same MLflow REST API to MLOps Workbench's server, so the quickstart runs on a machine with no packages.
"""
import json
import os
import time
import urllib.request

try:
    import mlflow  # noqa: F401
    HAVE_MLFLOW = True
except ImportError:
    HAVE_MLFLOW = False


class _Rest:
    def __init__(self):
        self.uri = os.environ.get("MLFLOW_TRACKING_URI", "").rstrip("/")
        self.token = os.environ.get("MLFLOW_TRACKING_TOKEN", "")
        self.run_id = os.environ.get("MLFLOW_RUN_ID")
        if not self.uri.startswith("http"):
            self.uri = ""  # not launched by MLOps Workbench: print instead of logging

    def call(self, method, path, body=None, raw=None, content_type="application/json"):
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.uri + path, data=data, method=method)
        req.add_header("Content-Type", content_type)
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read().decode() or "{}"
            return json.loads(text)

    def start(self):
        if not self.uri:
            return
        if not self.run_id:
            exp = os.environ.get("MLFLOW_EXPERIMENT_ID", "0")
            run = self.call("POST", "/api/2.0/mlflow/runs/create", {"experiment_id": exp, "start_time": int(time.time() * 1000)})
            self.run_id = run["run"]["info"]["run_id"]
            self.own = True
        self.info = self.call("GET", "/api/2.0/mlflow/runs/get?run_id=" + self.run_id)["run"]["info"]

    def log_params(self, params):
        if self.uri:
            self.call("POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": self.run_id, "params": [{"key": k, "value": str(v)} for k, v in params.items()]})

    def log_metrics(self, metrics, step):
        if self.uri:
            now = int(time.time() * 1000)
            self.call("POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": self.run_id, "metrics": [{"key": k, "value": v, "timestamp": now, "step": step} for k, v in metrics.items()]})

    def log_artifacts(self, local_dir, artifact_path):
        if not self.uri:
            return
        base = self.info["artifact_uri"].replace("mlflow-artifacts:/", "/api/2.0/mlflow-artifacts/artifacts/")
        for root, _, files in os.walk(local_dir):
            for f in files:
                rel = os.path.relpath(os.path.join(root, f), local_dir).replace(os.sep, "/")
                with open(os.path.join(root, f), "rb") as fh:
                    self.call("PUT", f"{base}/{artifact_path}/{rel}", raw=fh.read(), content_type="application/octet-stream")

    def finish(self):
        if self.uri and getattr(self, "own", False):
            self.call("POST", "/api/2.0/mlflow/runs/update", {"run_id": self.run_id, "status": "FINISHED", "end_time": int(time.time() * 1000)})


class Tracker:
    """The few logging calls train.py needs, through mlflow or plain REST."""

    def __enter__(self):
        if HAVE_MLFLOW:
            self.run = mlflow.start_run()
        else:
            self.rest = _Rest()
            self.rest.start()
        return self

    def __exit__(self, *exc):
        if HAVE_MLFLOW:
            mlflow.end_run("FAILED" if exc[0] else "FINISHED")
        else:
            self.rest.finish()

    def log_params(self, params):
        mlflow.log_params(params) if HAVE_MLFLOW else self.rest.log_params(params)

    def log_metrics(self, metrics, step):
        mlflow.log_metrics(metrics, step=step) if HAVE_MLFLOW else self.rest.log_metrics(metrics, step)

    def log_artifacts(self, local_dir, artifact_path):
        mlflow.log_artifacts(local_dir, artifact_path) if HAVE_MLFLOW else self.rest.log_artifacts(local_dir, artifact_path)
