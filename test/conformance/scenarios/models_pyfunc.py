"""log_model with a registered model, aliases and stages, and pyfunc loading through models:/ URIs."""
import mlflow
import numpy as np
from sklearn.linear_model import LinearRegression
from harness import emit, name, observe

c = mlflow.MlflowClient()
mlflow.set_experiment(name("pyfunc"))
X = np.array([[0.0], [1.0], [2.0], [3.0]])
model = LinearRegression().fit(X, 2 * X[:, 0] + 1)
m = name("lr")
with mlflow.start_run() as run:
    info = observe("log_model", lambda: mlflow.sklearn.log_model(model, "model", registered_model_name=m, input_example=X[:2]))
observe("model info", lambda: (info.artifact_path, info.flavors.keys() and sorted(info.flavors), info.run_id == run.info.run_id, info.signature.to_dict() if info.signature else None))
observe("history tag", lambda: "mlflow.log-model.history" in c.get_run(run.info.run_id).data.tags)
observe("artifacts", lambda: sorted(f.path for f in c.list_artifacts(run.info.run_id, "model")))
observe("version", lambda: [(v.version, v.source.endswith("/model"), v.run_id == run.info.run_id, v.status) for v in c.search_model_versions(f"name = '{m}'")])
c.set_registered_model_alias(m, "champion", "1")
c.transition_model_version_stage(m, "1", "Production")
X2 = np.array([[10.0]])
for uri in [f"models:/{m}@champion", f"models:/{m}/1", f"models:/{m}/Production", f"models:/{m}/latest", f"runs:/{run.info.run_id}/model"]:
    observe(f"predict {uri.split(m)[-1] if m in uri else 'runs'}", lambda: np.round(mlflow.pyfunc.load_model(uri).predict(X2), 6))
observe("missing alias uri", mlflow.pyfunc.load_model, f"models:/{m}@nope")
observe("missing model uri", mlflow.pyfunc.load_model, f"models:/{name('nope')}/1")
observe("sklearn flavor", lambda: np.round(mlflow.sklearn.load_model(f"models:/{m}@champion").predict(X2), 6))
emit()
