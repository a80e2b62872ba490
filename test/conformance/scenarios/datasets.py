"""Datasets and run inputs: log_input, the same dataset twice, contexts and tags, search-datasets."""
import mlflow
import pandas as pd
from harness import emit, name, observe, rest

c = mlflow.MlflowClient()
mlflow.set_experiment(name("data"))
exp = mlflow.get_experiment_by_name(name("data")).experiment_id
df = pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]})
ds = mlflow.data.from_pandas(df, source="s3://bucket/train.csv", name="train", targets="a")
ds2 = mlflow.data.from_pandas(df.head(2), source="s3://bucket/eval.csv", name="eval")


def inputs(rid):
    return [(d.dataset.name, d.dataset.digest, d.dataset.source_type, d.dataset.source, d.dataset.schema, d.dataset.profile, sorted((t.key, t.value) for t in d.tags)) for d in c.get_run(rid).inputs.dataset_inputs]


with mlflow.start_run() as run:
    observe("log_input train", mlflow.log_input, ds, context="training")
    observe("log_input eval", mlflow.log_input, ds2, context="eval", tags={"k": "v"})
    observe("log_input train again", mlflow.log_input, ds, context="validation")
    observe("log_input none", mlflow.log_input, ds2)
observe("inputs", inputs, run.info.run_id)
with mlflow.start_run() as run2:
    mlflow.log_input(ds, context="training")
observe("inputs 2", inputs, run2.info.run_id)
observe("search with inputs", lambda: sorted(len(r.inputs.dataset_inputs) for r in c.search_runs([exp])))
observe("loaded source", lambda: mlflow.data.get_source(c.get_run(run.info.run_id).inputs.dataset_inputs[0].dataset).uri)
rest("search-datasets", "POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", json_body={"experiment_ids": [exp]},
     keep=lambda b: {"dataset_summaries": sorted(b.get("dataset_summaries", []), key=lambda s: (s.get("name", ""), s.get("digest", ""), s.get("context", "")))} if "dataset_summaries" in b else b)
rest("search-datasets none", "POST", "/ajax-api/2.0/mlflow/experiments/search-datasets", json_body={"experiment_ids": []})
rest("search-datasets api prefix", "POST", "/api/2.0/mlflow/experiments/search-datasets", json_body={"experiment_ids": [exp]}, status_only=True)
emit()
