"""Fixtures of the infrastructure tests: the SAM template, its offline translation to plain
CloudFormation, and that translation deployed to moto's CloudFormation on loopback.

Nothing here reaches AWS: samtranslator runs in-process, moto_server listens on 127.0.0.1.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TEMPLATE = REPO / "infra" / "template.yaml"
SAMCONFIG = REPO / "infra" / "samconfig.toml"
VENV_BIN = Path(sys.executable).parent

REGION = "eu-west-3"
STACK = "vigie-infra-test"
CRISIS = "gp-test-2026"
CODE_BUCKET = "vigie-code"

# Resource types moto's CloudFormation creates (5.2.x). Every other type of the translated
# template (CloudFront, Scheduler, API Gateway v2, Secrets Manager, alarms, bucket policies,
# SNS subscriptions, Lambda EventInvokeConfig) is passed over by moto and checked by reading
# the translated template instead.
MOTO_CREATES = {
    "AWS::DynamoDB::Table",
    "AWS::S3::Bucket",
    "AWS::SNS::Topic",
    "AWS::SQS::Queue",
    "AWS::IAM::Role",
    "AWS::Logs::LogGroup",
    "AWS::Lambda::Function",
    "AWS::Lambda::Permission",
    "AWS::Lambda::EventSourceMapping",
}


def sam_parse(text: str) -> dict:
    """Parses a SAM/CloudFormation YAML template, short-form intrinsics (!Ref...) included."""
    from samtranslator.yaml_helper import yaml_parse

    return yaml_parse(text)


def function_folders(template: dict) -> dict[str, str]:
    """Logical id of each AWS::Serverless::Function -> the folder name of its CodeUri."""
    return {
        lid: Path(r["Properties"]["CodeUri"].rstrip("/")).name
        for lid, r in template["Resources"].items()
        if r["Type"] == "AWS::Serverless::Function"
    }


def translate(template: dict) -> dict:
    """The SAM template as plain CloudFormation, translated offline. Local CodeUri folders are
    first replaced by S3 locations, as `sam package` does before the transform runs."""
    os.environ.setdefault("AWS_DEFAULT_REGION", REGION)
    from samtranslator.translator.transform import transform

    class NoManagedPolicies:
        # The template names no managed policy (every role is written out): nothing to look up.
        def load(self) -> dict:
            return {}

    packaged = copy.deepcopy(template)
    for lid, folder in function_folders(template).items():
        packaged["Resources"][lid]["Properties"]["CodeUri"] = {
            "Bucket": CODE_BUCKET,
            "Key": f"{folder}.zip",
        }
    return transform(packaged, {}, NoManagedPolicies())


@pytest.fixture(scope="session")
def template() -> dict:
    return sam_parse(TEMPLATE.read_text())


@pytest.fixture(scope="session")
def translated(template) -> dict:
    return translate(template)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """moto_server on a free loopback port, stopped at the end of the session."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(VENV_BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"moto_server exited ({proc.returncode}): {log.read_text()}")
            try:
                urllib.request.urlopen(f"{url}/moto-api/", timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"moto_server did not answer on {url}: {log.read_text()}")
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def aws(moto):
    """boto3 clients on the moto server, with dummy credentials (never the machine's)."""
    import boto3

    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name=REGION,
    )
    return lambda service: session.client(service, endpoint_url=moto)


def placeholder(name: str) -> str:
    return f"moto-skipped:{name}"


# What AWS would give the resources moto passes over, for the outputs `vigie activate` reads
# (see for_moto's stand_ins): a distribution's domain and an HTTP API's endpoint.
STAND_INS = {
    "PublicDistribution.DomainName": "d111111abcdef8.cloudfront.net",
    "TriageHttpApi.ApiEndpoint": "https://a1b2c3d4e5.execute-api.eu-west-3.amazonaws.com",
}


def for_moto(translated: dict, stand_ins: dict[str, str] | None = None) -> dict:
    """The translated template, adapted to what moto can deploy:

    - In the resources moto creates, a Ref or Fn::GetAtt to a resource it passes over would
      come out empty (the attribute silently dropped, e.g. VIGIE_SECRET_ARN) or fail the
      stack; each is replaced by the string `moto-skipped:<LogicalId>[.<Attribute>]`, so the
      tests still see which resource it points at.
    - Outputs that use such a resource (ApiUrl, PublicMapUrl, AppUrl, SecretArn) fail
      create_stack with a 500 in moto: they are dropped here and checked on the translated
      template, unless `stand_ins` gives a value for every such reference in them
      (`LogicalId.Attribute` or `LogicalId` -> text): then the output is kept with those
      values written in, as AWS would resolve it.
    """
    out = copy.deepcopy(translated)
    resources = out["Resources"]
    skipped = {lid for lid, r in resources.items() if r["Type"] not in MOTO_CREATES}

    def uses_skipped(node) -> bool:
        if isinstance(node, dict):
            if "Ref" in node and node["Ref"] in skipped:
                return True
            if "Fn::GetAtt" in node and node["Fn::GetAtt"][0] in skipped:
                return True
            if "Fn::Sub" in node:
                text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
                if any(f"${{{lid}}}" in text or f"${{{lid}." in text for lid in skipped):
                    return True
            return any(uses_skipped(v) for v in node.values())
        if isinstance(node, list):
            return any(uses_skipped(v) for v in node)
        return False

    def rewrite(node):
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in skipped:
                return placeholder(node["Ref"])
            if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in skipped:
                return placeholder(".".join(node["Fn::GetAtt"]))
            return {k: rewrite(v) for k, v in node.items()}
        if isinstance(node, list):
            return [rewrite(v) for v in node]
        return node

    def stand_in(node):
        """The node with every reference to a skipped resource replaced by its stand-in;
        None when one has none."""
        if isinstance(node, dict):
            if set(node) == {"Ref"} and node["Ref"] in skipped:
                return (stand_ins or {}).get(node["Ref"])
            if set(node) == {"Fn::GetAtt"} and node["Fn::GetAtt"][0] in skipped:
                return (stand_ins or {}).get(".".join(node["Fn::GetAtt"]))
            if set(node) == {"Fn::Sub"} and isinstance(node["Fn::Sub"], str):
                text = node["Fn::Sub"]
                for name in re.findall(r"\$\{([^}!]+)\}", text):
                    if name.split(".")[0] in skipped:
                        value = (stand_ins or {}).get(name)
                        if value is None:
                            return None
                        text = text.replace("${" + name + "}", value)
                return {"Fn::Sub": text} if "${" in text else text
            if uses_skipped(node):
                return None
            return node
        return node

    for lid, r in resources.items():
        if lid not in skipped:
            resources[lid] = rewrite(r)
    outputs = {}
    for key, output in out.get("Outputs", {}).items():
        if not uses_skipped(output):
            outputs[key] = output
        elif (value := stand_in(output["Value"])) is not None:
            outputs[key] = {**output, "Value": value}
    out["Outputs"] = outputs
    return out


def dummy_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("bootstrap", "#!/bin/sh\necho not a real bootstrap\n")
    return buf.getvalue()


def deploy(
    aws,
    translated,
    template,
    crisis: str,
    name: str,
    parameters: dict[str, str] | None = None,
    stand_ins: dict[str, str] | None = None,
) -> dict:
    """The translated template deployed to moto as stack `name` for crisis `crisis` (and the
    other `parameters` given), outputs with `stand_ins` as for_moto keeps them: its outputs and
    its resources by logical id."""
    s3 = aws("s3")
    existing = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    if CODE_BUCKET not in existing:
        s3.create_bucket(
            Bucket=CODE_BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        for folder in function_folders(template).values():
            s3.put_object(Bucket=CODE_BUCKET, Key=f"{folder}.zip", Body=dummy_zip())
    cfn = aws("cloudformation")
    values = {**(parameters or {}), "CrisisId": crisis}
    cfn.create_stack(
        StackName=name,
        TemplateBody=json.dumps(for_moto(translated, stand_ins)),
        Parameters=[{"ParameterKey": k, "ParameterValue": v} for k, v in values.items()],
        Capabilities=["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"],
    )
    deadline = time.monotonic() + 60
    while True:
        described = cfn.describe_stacks(StackName=name)["Stacks"][0]
        if not described["StackStatus"].endswith("_IN_PROGRESS"):
            break
        assert time.monotonic() < deadline, f"stack still {described['StackStatus']}"
        time.sleep(0.25)
    assert described["StackStatus"] == "CREATE_COMPLETE", described.get("StackStatusReason")
    summaries = cfn.get_paginator("list_stack_resources").paginate(StackName=name)
    resources = {
        r["LogicalResourceId"]: r for page in summaries for r in page["StackResourceSummaries"]
    }
    outputs = {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}
    return {"outputs": outputs, "resources": resources}


@pytest.fixture(scope="session")
def stack(aws, translated, template):
    """The translated template deployed to moto: its outputs and its resources by logical id."""
    return deploy(aws, translated, template, CRISIS, STACK)


def sam_deploy_to_moto(argv: list[str]) -> int:
    """A stand-in for `sam deploy` as `vigie activate` runs it (`deploy --template-file F
    --stack-name S ... --parameter-overrides K=V ...`), for the lifecycle tests: the template
    translated offline and created in moto's CloudFormation (AWS_ENDPOINT_URL) with those
    parameters, the outputs on CloudFront and the HTTP API given their STAND_INS; and the
    stack's table made in DynamoDB Local (AWS_ENDPOINT_URL_DYNAMODB) as the template defines
    it, since the tests keep the reports there (see test_lifecycle.py)."""
    import boto3

    assert argv[:1] == ["deploy"], argv
    args = argv[1:]
    template_file = Path(args[args.index("--template-file") + 1])
    name = args[args.index("--stack-name") + 1]
    i = args.index("--parameter-overrides") + 1
    parameters = {}
    while i < len(args) and not args[i].startswith("--"):
        key, value = args[i].split("=", 1)
        parameters[key] = value
        i += 1
    region = os.environ.get("AWS_REGION", REGION)
    session = boto3.session.Session(
        aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region
    )
    endpoint = os.environ["AWS_ENDPOINT_URL"]
    aws = lambda service: session.client(service, endpoint_url=endpoint)  # noqa: E731
    template = sam_parse(template_file.read_text())
    translated = translate(template)
    stack = deploy(aws, translated, template, parameters["CrisisId"], name, parameters, STAND_INS)
    table = translated["Resources"]["ReportsTable"]["Properties"]
    dynamodb = session.client("dynamodb", endpoint_url=os.environ["AWS_ENDPOINT_URL_DYNAMODB"])
    dynamodb.create_table(
        TableName=stack["outputs"]["TableName"],
        KeySchema=table["KeySchema"],
        AttributeDefinitions=table["AttributeDefinitions"],
        GlobalSecondaryIndexes=table["GlobalSecondaryIndexes"],
        BillingMode=table["BillingMode"],
        StreamSpecification={"StreamEnabled": True, **table["StreamSpecification"]},
    )
    print(f"Successfully created/updated stack - {name} in {region}")
    for key, value in sorted(stack["outputs"].items()):
        print(f"  {key}: {value}")
    return 0
