"""sklearn autolog: the params, metrics, tags and model files it logs through the server."""
import mlflow
import numpy as np
from sklearn.linear_model import Ridge
from harness import emit, name, observe

c = mlflow.MlflowClient()
mlflow.set_experiment(name("auto"))
mlflow.sklearn.autolog(log_input_examples=False, log_model_signatures=True, silent=True)
X = np.array([[0.0, 1.0], [1.0, 0.0], [2.0, 1.0], [3.0, 2.0]])
y = np.array([1.0, 2.0, 4.0, 6.0])
with mlflow.start_run() as run:
    Ridge(alpha=0.5).fit(X, y)
mlflow.sklearn.autolog(disable=True)
data = c.get_run(run.info.run_id).data
observe("params", lambda: data.params)
observe("metrics", lambda: {k: round(v, 9) for k, v in data.metrics.items()})
observe("tags", lambda: sorted(k for k in data.tags if k != "mlflow.log-model.history"))
observe("estimator tags", lambda: (data.tags.get("estimator_name"), data.tags.get("estimator_class")))
observe("model files", lambda: sorted(f.path for f in c.list_artifacts(run.info.run_id, "model")))
observe("reload", lambda: np.round(mlflow.pyfunc.load_model(f"runs:/{run.info.run_id}/model").predict(X), 6))
emit()
