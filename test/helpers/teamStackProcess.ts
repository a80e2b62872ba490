// The team stack (MLflow 2.12.2 over PostgreSQL, artifacts in s3rver) as a process of its own, for suites that
// run elsewhere (the extension host): it logs a run with the real client, prints one JSON line
// ({url, runId, experiment, model} or {skip}), and stops everything on SIGTERM or when its stdin closes.
//   node --import tsx test/helpers/teamStackProcess.ts
import { mlflowClient, startTeamStack } from './teamStack';

async function main() {
  const stack = await startTeamStack().catch((e: Error) => `the team stack did not start: ${e.message}`);
  if (typeof stack === 'string') {
    console.log(JSON.stringify({ skip: stack }));
    return;
  }
  let closing = false;
  const stop = async () => {
    if (closing) return;
    closing = true;
    await stack.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  try {
    const seeded = await mlflowClient(
      stack,
      `
import json, os, tempfile, mlflow
from mlflow import MlflowClient
mlflow.set_experiment("team-stack-ext")
with mlflow.start_run(run_name="real-client-run") as r:
    mlflow.log_param("depth", "6")
    for step in range(4):
        mlflow.log_metric("auc", 0.5 + step / 10, step=step)
    d = tempfile.mkdtemp(); p = os.path.join(d, "report.md"); open(p, "w").write("# from the real client\\n")
    mlflow.log_artifact(p)
c = MlflowClient()
c.create_registered_model("team-stack-model")
c.create_model_version("team-stack-model", source=r.info.artifact_uri + "/model", run_id=r.info.run_id)
print(json.dumps({"runId": r.info.run_id, "experiment": "team-stack-ext", "model": "team-stack-model"}))
`,
    );
    console.log(JSON.stringify({ url: stack.url, ...seeded }));
  } catch (e) {
    console.log(JSON.stringify({ skip: `the real client could not seed the team stack: ${(e as Error).message.slice(0, 500)}` }));
    await stop();
  }
}

void main();
