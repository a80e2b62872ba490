"""The mlflow-artifacts endpoints with hostile paths: traversal, absolute, escapes; get-artifact routes."""
import mlflow
from harness import emit, name, observe, rest

c = mlflow.MlflowClient()
mlflow.set_experiment(name("paths"))
with mlflow.start_run() as run:
    mlflow.log_text("hello", "dir/a.txt")
    mlflow.log_text("ü", "dir/ü.txt")
rid = run.info.run_id
exp = run.info.experiment_id
base = f"/api/2.0/mlflow-artifacts/artifacts/{exp}/{rid}/artifacts"
for p in ["%2e%2e/%2e%2e/x.txt", "..%2F..%2Fx.txt", "%252e%252e/x.txt", "/abs/x.txt", "dir/%zz.txt", "a%5Cb.txt", "a%23b.txt"]:
    rest(f"PUT {p}", "PUT", f"{base}/{p}", data=b"x")
rest("GET traversal", "GET", f"{base}/%2e%2e/%2e%2e/{exp}")
rest("list traversal", "GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": f"{exp}/../.."})
rest("list absolute", "GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": "/etc"})
rest("list run folder", "GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": f"{exp}/{rid}/artifacts/dir"})
rest("list missing", "GET", "/api/2.0/mlflow-artifacts/artifacts", params={"path": f"{exp}/{rid}/artifacts/none"})
rest("DELETE traversal", "DELETE", f"{base}/%2e%2e/x.txt")
rest("GET missing file", "GET", f"{base}/dir/none.txt")
observe("tree after", lambda: sorted(f.path for f in c.list_artifacts(rid, "dir")))
r = rest("get-artifact", "GET", "/get-artifact", params={"run_id": rid, "path": "dir/a.txt"})
observe("get-artifact body", lambda: (r.text, r.headers.get("Content-Type")))
rest("get-artifact ajax", "GET", "/ajax-api/2.0/mlflow/get-artifact", params={"run_id": rid, "path": "dir/ü.txt"}, status_only=True)
r = rest("get-artifact non-ASCII", "GET", "/get-artifact", params={"run_id": rid, "path": "dir/ü.txt"})
observe("get-artifact non-ASCII body", lambda: r.content.decode("utf-8"))
rest("get-artifact traversal", "GET", "/get-artifact", params={"run_id": rid, "path": "../../x"})
rest("get-artifact missing", "GET", "/get-artifact", params={"run_id": rid, "path": "dir/none.txt"})
m = name("pm")
c.create_registered_model(m)
c.create_model_version(m, f"runs:/{rid}/dir", rid)
r = rest("model-versions/get-artifact", "GET", "/model-versions/get-artifact", params={"name": m, "version": "1", "path": "a.txt"})
observe("model-versions/get-artifact body", lambda: r.text)
rest("model-versions/get-artifact ajax", "GET", "/ajax-api/2.0/mlflow/model-versions/get-artifact", params={"name": m, "version": "1", "path": "a.txt"}, status_only=True)
emit()
