// MLproject texts used by the conformance tests. The first four are MLflow's own files (see the spec for commits);
// expected results in the tests were derived from MLflow's parser code run on PyYAML.

export const EXAMPLE_PROJECT = `conda_env: conda.yaml

entry_points:
  main:
    command: "echo 'Main entry point'"
  greeter:
    parameters:
      greeting: {type: string, default: "hi"}
      name: string
    command: "python greeter.py {greeting} {name}"
  line_count:
    parameters:
      path: path
    command: "cat {path} | wc -l"
  download_uri:
    parameters:
      uri: uri
    command: "curl {uri} | wc -l"
  sleep:
    parameters:
      duration: int
    command: "sleep {duration}"
  test_tracking:
    parameters:
      use_start_run: bool
    command: "python tracking_test.py {use_start_run}"
  check_conda_env:
    parameters:
      conda_env_name: string
    command: "python check_conda_env.py {conda_env_name}"
  test_artifact_path:
    parameters:
      model: {type: path}
    command: "echo success"
`;

export const DOCKER_EXAMPLE = `name: docker-example

docker_env:
  image:  mlflow-docker-example

entry_points:
  main:
    parameters:
      alpha: float
      l1_ratio: {type: float, default: 0.1}
    command: "python train.py --alpha {alpha} --l1-ratio {l1_ratio}"
`;

// Revision 06b19f2 of examples/docker/MLproject: unknown keys that MLflow ignores.
export const DOCKER_WITH_UNKNOWN_KEYS = `name: docker-example

docker_env:
  image:  mlflow-docker-example
  namespace: x
  registry: y

kubernetes_env:
  image: z

entry_points:
  main:
    parameters:
      alpha: float
    command: "python train.py --alpha {alpha}"
`;

export const HYPERPARAM = `name: HyperparameterSearch

conda_env: conda.yaml

entry_points:
  # train Keras DL model
  train:
    parameters:
      training_data: {type: string, default: "../sklearn_elasticnet_wine/wine-quality.csv"}
      epochs: {type: int, default: 32}
      batch_size: {type: int, default: 16}
      learning_rate: {type: float, default: 1e-1}
      momentum: {type: float, default: .0}
      seed: {type: int, default: 97531}
    command: "python train.py {training_data}
                                    --batch-size {batch_size}
                                    --epochs {epochs}
                                    --learning-rate {learning_rate}
                                    --momentum {momentum}"

  random:
    parameters:
      training_data: {type: string, default: "../sklearn_elasticnet_wine/wine-quality.csv"}
      max_runs: {type: int, default: 8}
      metric: {type: string, default: "rmse"}
      training_experiment_id: {type: string, default: ""}
    command: "python search_random.py  {training_data}
                                             --max-runs {max_runs}
                                             --metric {metric}
                                             --training-experiment-id {training_experiment_id}"
`;

export const MULTISTEP = `name: multistep_example

conda_env: conda.yaml

entry_points:
  load_raw_data:
    command: "python load_raw_data.py"

  etl_data:
    parameters:
      ratings_csv: path
      max_row_limit: {type: int, default: 100000}
    command: "python etl_data.py --ratings-csv {ratings_csv} --max-row-limit {max_row_limit}"

  als:
    parameters:
      ratings_data: path
      max_iter: {type: int, default: 10}
      reg_param: {type: float, default: 0.1}
      rank: {type: int, default: 12}
    command: "python als.py --ratings-data {ratings_data} --max-iter {max_iter} --reg-param {reg_param} --rank {rank}"

  main:
    parameters:
      als_max_iter: {type: int, default: 10}
      keras_hidden_units: {type: int, default: 20}
      max_row_limit: {type: int, default: 100000}
    command: "python main.py --als-max-iter {als_max_iter} --keras-hidden-units {keras_hidden_units}
                             --max-row-limit {max_row_limit}"
`;

export const ELASTICNET = `name: tutorial

python_env: python_env.yaml

entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      l1_ratio: {type: float, default: 0.1}
    command: "python train.py {alpha} {l1_ratio}"
`;

export const QUIRKS = `entry_points:
  main:
    parameters:
      a: {type: float, default: 1.0e-5}
      b: {type: float, default: 1.0e+16}
      c: {type: int, default: 1_000}
      d: {type: string, default: yes}
      e: {type: string, default: on}
      f: {type: float, default: 1e+3}
      g: {type: string, default: y}
      h: {type: float, default: -.5}
      i: {type: string, default: 2020-01-01}
      j: {type: string, default: 0x1F}
      k: {type: string, default: [1, "two"]}
      l: {type: string, default: ""}
      m: {type: string, default: "$HOME"}
    command: "run {a} {b} {c} {d} {e} {f} {g} {h} {i} {j} {k} {l} {m} {{literal}} {{{a}}}"
`;
