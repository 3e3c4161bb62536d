"""What build output looks like to the client: no Docker JSON, no tracebacks, failures that explain themselves."""

from binderd.builder.base import BuildExecutor, failure_hint, log_event


def test_docker_aux_line_becomes_text():
    line = '{"message": "{\\"aux\\": {\\"ID\\": \\"sha256:0123abcd\\"}}", "phase": "building"}'
    assert log_event(line) == {"message": "Image ID: sha256:0123abcd\n", "phase": "building"}


def test_traceback_is_dropped():
    event = log_event('{"message": "Error during build: boom", "exc_info": "Traceback ...", "phase": "failed"}')
    assert event == {"message": "Error during build: boom", "phase": "failed"}


def test_failure_hint_out_of_memory_and_last_lines():
    tail = ["Step 3/4 : RUN python big.py", " ---> Running in 0123", "allocating", "Removing intermediate container 0"]
    hint = failure_hint("The command '/bin/sh -c python big.py' returned a non-zero code: 137", tail, 300 * 2**20)
    assert "ran out of memory" in hint and "300 MiB" in hint
    assert hint.endswith("Last lines of the build:\nStep 3/4 : RUN python big.py\nallocating")
    assert failure_hint("returned a non-zero code: 1", []) == ""


def test_limit_arguments():
    args = BuildExecutor(memory_limit="1G", max_repo_size="10M", ca_bundle="/ca.pem").limit_args()
    assert args[1:] == ["--build-memory-limit=1073741824", "--build-arg", "BINDERD_MAX_REPO_SIZE=10485760",
                        "--build-arg", "BINDERD_CA_BUNDLE=/ca.pem"]
    assert args[0].startswith("--config=") and args[0].endswith("buildpacks/repo2docker_config.py")
    assert BuildExecutor(repo2docker_config="", memory_limit="1G").limit_args() == ["--build-memory-limit=1073741824"]
