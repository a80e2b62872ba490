"""Artifacts: nested folders, text/dict/figure/table, empty and non-ASCII files, listing and downloads."""
import hashlib
import os
import mlflow
from harness import emit, name, observe, tmp

c = mlflow.MlflowClient()
mlflow.set_experiment(name("art"))


def tree(run_id, path=None):
    out = []
    for f in c.list_artifacts(run_id, path):
        out.append((f.path, f.is_dir, f.file_size))
        if f.is_dir:
            out.extend(tree(run_id, f.path))
    return out


with mlflow.start_run() as run:
    rid = run.info.run_id
    d = tmp("src", "a", "b", "deep.txt")
    open(d, "w").write("deep")
    open(tmp("src", "top.csv"), "w").write("x,y\n1,2\n")
    open(tmp("src", "empty.txt"), "w").close()
    observe("log_artifacts", mlflow.log_artifacts, tmp("src"), "folder")
    observe("log_artifact", mlflow.log_artifact, d)
    observe("log_artifact into", mlflow.log_artifact, d, "x/y/z")
    observe("log_text", mlflow.log_text, "hello\n", "notes/hello.txt")
    observe("log_dict json", mlflow.log_dict, {"a": [1, 2], "b": {"c": None}}, "cfg/d.json")
    observe("log_dict yaml", mlflow.log_dict, {"a": [1, 2]}, "cfg/d.yaml")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    ax.plot([1, 2, 3], [3, 1, 2])
    observe("log_figure", mlflow.log_figure, fig, "plots/fig.png")
    observe("log_table", mlflow.log_table, {"col": [1, 2], "other": ["a", "b"]}, "tables/t.json")
    observe("log_table again", mlflow.log_table, {"col": [3], "other": ["c"]}, "tables/t.json")
    for n in ["ü.txt", "日本.txt", "café.csv", "with space.txt"]:
        p = tmp("uni", n)
        open(p, "w", encoding="utf-8").write(n)
        observe(f"log {n}", mlflow.log_artifact, p, "uni")
observe("root list", lambda: [(f.path, f.is_dir, f.file_size) for f in c.list_artifacts(rid)])
observe("tree", tree, rid)
observe("list file path", lambda: [(f.path, f.is_dir) for f in c.list_artifacts(rid, "notes/hello.txt")])
observe("list missing", lambda: c.list_artifacts(rid, "nope"))
observe("load_text", mlflow.artifacts.load_text, f"runs:/{rid}/notes/hello.txt")
observe("load_dict", mlflow.artifacts.load_dict, f"runs:/{rid}/cfg/d.json")
observe("load_table", lambda: mlflow.load_table("tables/t.json", run_ids=[rid]))
observe("figure bytes", lambda: os.path.getsize(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="plots/fig.png", dst_path=tmp("dl1"))) > 1000)
observe("download folder", lambda: sorted(os.path.relpath(os.path.join(r, f), tmp("dl2")) for r, _, fs in os.walk(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="folder", dst_path=tmp("dl2"))) for f in fs))
for n in ["ü.txt", "日本.txt", "café.csv", "with space.txt"]:
    observe(f"download {n}", lambda: open(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path=f"uni/{n}", dst_path=tmp("dl3")), encoding="utf-8").read())
observe("download empty", lambda: os.path.getsize(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="folder/empty.txt", dst_path=tmp("dl4"))))
observe("download missing", mlflow.artifacts.download_artifacts, run_id=rid, artifact_path="nope.txt", dst_path=tmp("dl5"))
observe("download all", lambda: len([f for _, _, fs in os.walk(mlflow.artifacts.download_artifacts(run_id=rid, dst_path=tmp("dl6"))) for f in fs]))
observe("sha", lambda: hashlib.sha256(open(mlflow.artifacts.download_artifacts(run_id=rid, artifact_path="cfg/d.yaml", dst_path=tmp("dl7")), "rb").read()).hexdigest())
emit()
