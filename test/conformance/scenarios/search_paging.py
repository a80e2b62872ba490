"""Paging of experiments, registered models and model versions."""
import mlflow
from harness import emit, name, observe

c = mlflow.MlflowClient()
for i in range(6):
    c.create_experiment(name(f"e{i}"))
    c.create_registered_model(name(f"m{i}"))


def exp_pages(size):
    out, token = [], None
    while True:
        p = c.search_experiments(max_results=size, filter_string=f"name LIKE '{name('')}%'", order_by=["name ASC"], page_token=token)
        out.append(([e.name for e in p], p.token is not None))
        token = p.token
        if not token:
            return out


def model_pages(size):
    out, token = [], None
    while True:
        p = c.search_registered_models(max_results=size, filter_string=f"name LIKE '{name('')}%'", order_by=["name DESC"], page_token=token)
        out.append(([m.name for m in p], p.token is not None))
        token = p.token
        if not token:
            return out


observe("experiments by 4", exp_pages, 4)
observe("experiments by 3 (exactly full)", exp_pages, 3)
observe("experiments by 6", exp_pages, 6)
observe("models by 4", model_pages, 4)
observe("models by 3 (exactly full)", model_pages, 3)
observe("experiments max 0", c.search_experiments, max_results=0)
observe("models max 0", c.search_registered_models, max_results=0)
observe("bad page token", c.search_experiments, page_token="garbage")
emit()
