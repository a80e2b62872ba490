"""search_runs: filters, order_by, paging (pages exactly full, max_results=0) and DataFrames."""
import mlflow
from harness import emit, name, observe

c = mlflow.MlflowClient()
mlflow.set_experiment(name("search"))
exp = mlflow.get_experiment_by_name(name("search")).experiment_id
for i in range(12):
    with mlflow.start_run(run_name=f"r{i:02d}"):
        mlflow.log_param("i", i)
        mlflow.log_param("group", "even" if i % 2 == 0 else "odd")
        mlflow.log_metric("score", (i * 7) % 12)
        mlflow.set_tag("kind", "a" if i < 6 else "b")
        if i == 11:
            mlflow.set_tag("mlflow.note.content", "last")
names = lambda rs: [r.info.run_name for r in rs]  # noqa: E731
for f in ["metrics.score > 5", "params.group = 'even'", "tags.kind = 'b' AND metrics.score < 4", "attributes.run_name LIKE 'r0%'",
          "attributes.status = 'FINISHED'", "params.i IN ('1', '2', '3')", "tags.kind != 'a'", "run_name ILIKE 'R1%'", "metrics.score >= 11", "tags.`mlflow.note.content` = 'last'"]:
    observe(f"filter {f}", lambda: names(c.search_runs([exp], f, order_by=["attributes.run_name ASC"])))
for o in [["metrics.score DESC", "attributes.run_name ASC"], ["params.i ASC"], ["attributes.start_time DESC"], ["tags.kind DESC", "run_name DESC"]]:
    observe(f"order {o}", lambda: names(c.search_runs([exp], order_by=o)))
observe("bad filter", c.search_runs, [exp], "metrics.score >> 1")
observe("bad order", c.search_runs, [exp], order_by=["nope DESC"])


def pages(size):
    out, token = [], None
    while True:
        page = c.search_runs([exp], max_results=size, order_by=["attributes.run_name ASC"], page_token=token)
        out.append((names(page), page.token is not None))
        token = page.token
        if not token:
            return out


observe("pages of 5", pages, 5)
observe("pages of 4 (exactly full)", pages, 4)
observe("pages of 12 (one full page)", pages, 12)
observe("max_results 0", lambda: names(c.search_runs([exp], max_results=0)))
observe("max_results too big", c.search_runs, [exp], max_results=50001)
observe("fluent search", lambda: mlflow.search_runs([exp], order_by=["attributes.run_name ASC"], max_results=3)[["params.i", "metrics.score", "tags.kind", "tags.mlflow.runName", "status"]])
observe("fluent columns", lambda: sorted(mlflow.search_runs([exp]).columns))
observe("fluent list", lambda: names(mlflow.search_runs([exp], output_format="list", filter_string="params.i = '3'")))
observe("by experiment name", lambda: len(mlflow.search_runs(experiment_names=[name("search")])))
observe("deleted runs", lambda: (c.delete_run(c.search_runs([exp], "params.i = '0'")[0].info.run_id), names(c.search_runs([exp], run_view_type=mlflow.entities.ViewType.DELETED_ONLY)))[1])
emit()
