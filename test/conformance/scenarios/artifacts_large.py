"""A 50 MB artifact uploads and downloads intact."""
import hashlib
import os
import mlflow
from harness import emit, name, observe, tmp

mlflow.set_experiment(name("big"))
p = tmp("big.bin")
block = hashlib.sha256(b"seed").digest() * 32768  # 1 MiB
with open(p, "wb") as f:
    for i in range(50):
        f.write(block)
with mlflow.start_run() as run:
    observe("log 50MB", mlflow.log_artifact, p, "data")
observe("listed", lambda: [(f.path, f.file_size) for f in mlflow.MlflowClient().list_artifacts(run.info.run_id, "data")])
dl = mlflow.artifacts.download_artifacts(run_id=run.info.run_id, artifact_path="data/big.bin", dst_path=tmp("dl"))
observe("same bytes", lambda: (os.path.getsize(dl), hashlib.sha256(open(dl, "rb").read()).hexdigest() == hashlib.sha256(open(p, "rb").read()).hexdigest()))
emit()
