"""Offline tests of infra/template.yaml (AWS SAM) and infra/samconfig.toml.

1. Linters: cfn-lint passes; checkov finds no failed check, on the SAM template and on its
   translation, and every skipped check carries its reason in the template.
2. The template's functions are the crates under functions/.
3. The translation deployed to moto's CloudFormation: what moto creates is asserted on the
   emulated services (table, buckets, functions, stream mapping, roles, log groups, topic,
   queue); what moto passes over (schedules, HTTP API, CloudFront, secret, alarms, bucket
   policies) is asserted on the translated template.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import tomllib
from pathlib import Path

import pytest

from conftest import (
    CRISIS,
    MOTO_CREATES,
    REPO,
    SAMCONFIG,
    TEMPLATE,
    VENV_BIN,
    function_folders,
    placeholder,
)

FUNCTIONS = {
    # logical id -> folder under functions/ (= package, binary and cargo lambda folder)
    "CollectMastodonFunction": "collect-mastodon",
    "CollectBlueskyFunction": "collect-bluesky",
    "CollectFeedsFunction": "collect-feeds",
    "CollectXFunction": "collect-x",
    "CollectYouTubeFunction": "collect-youtube",
    "TriageApiFunction": "triage-api",
    "MapExportFunction": "map-export",
}
COLLECTORS = ["CollectMastodonFunction", "CollectBlueskyFunction", "CollectFeedsFunction", "CollectXFunction", "CollectYouTubeFunction"]
SCHEDULED = {
    "CollectMastodonFunction": {"Ref": "MastodonRate"},
    "CollectBlueskyFunction": {"Ref": "BlueskyRate"},
    "CollectFeedsFunction": {"Ref": "FeedsRate"},
    "CollectXFunction": {"Ref": "XRate"},
    "CollectYouTubeFunction": {"Ref": "YouTubeRate"},
    "MapExportFunction": "rate(1 minute)",
}


def resources_of(template: dict, kind: str) -> dict:
    return {lid: r for lid, r in template["Resources"].items() if r["Type"] == kind}


def ref(lid: str) -> dict:
    return {"Ref": lid}


def getatt(lid: str, attr: str) -> dict:
    return {"Fn::GetAtt": [lid, attr]}


def sub_text(node) -> str:
    """The text of a Fn::Sub (either form), for assertions on what it names."""
    assert isinstance(node, dict) and "Fn::Sub" in node, node
    value = node["Fn::Sub"]
    return value if isinstance(value, str) else value[0]


def as_list(value) -> list:
    return value if isinstance(value, list) else [value]


# ----------------------------------------------------------------------------------------
# 1. Linters
# ----------------------------------------------------------------------------------------


def test_cfn_lint_passes():
    """No error, no warning, and not even an informational finding (I rules included)."""
    run = subprocess.run(
        [str(VENV_BIN / "cfn-lint"), "--include-checks", "I", "--format", "parseable", str(TEMPLATE)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.strip() == "", f"cfn-lint findings:\n{run.stdout}"


def test_cfn_lint_ignores_nothing(template):
    """The pass above is not bought with ignored rules: no resource sets ignore_checks (one
    that must would say why in a comment beside it, and be listed here)."""
    ignored = {
        lid: resource["Metadata"]["cfn-lint"]
        for lid, resource in template["Resources"].items()
        if "cfn-lint" in resource.get("Metadata", {})
    }
    assert ignored == {}
    assert "cfn-lint" not in template.get("Metadata", {})


def checkov(path) -> dict:
    run = subprocess.run(
        [
            str(VENV_BIN / "checkov"),
            "--file",
            str(path),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",  # offline: no guideline or policy download
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    report = json.loads(run.stdout)
    assert report["summary"]["parsing_errors"] == 0, run.stdout
    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}"
        for c in report["results"]["failed_checks"]
    ]
    assert not failed, "checkov failed checks:\n" + "\n".join(failed)
    assert run.returncode == 0, run.stderr
    for c in report["results"]["skipped_checks"]:
        reason = c["check_result"].get("suppress_comment", "").strip()
        assert len(reason) > 20, f"{c['check_id']} on {c['resource']} skipped without a reason"
    return report


def test_checkov_sam_template():
    report = checkov(TEMPLATE)
    assert report["summary"]["resource_count"] >= 30
    assert report["summary"]["passed"] > 50


def test_checkov_translated_template(translated, tmp_path):
    """The translation holds what SAM generates (schedule roles, API stage, permissions),
    which checkov cannot see in the SAM template."""
    path = tmp_path / "translated.json"
    path.write_text(json.dumps(translated, indent=1))
    report = checkov(path)
    assert report["summary"]["resource_count"] >= 45


# ----------------------------------------------------------------------------------------
# 2. Template functions <-> crates under functions/
# ----------------------------------------------------------------------------------------


def test_template_functions_are_the_crates_under_functions(template):
    folders = function_folders(template)
    crates = {p.name for p in (REPO / "functions").iterdir() if p.is_dir()}
    assert set(folders.values()) == crates
    assert folders == FUNCTIONS
    members = tomllib.loads((REPO / "Cargo.toml").read_text())["workspace"]["members"]
    for lid, name in folders.items():
        props = template["Resources"][lid]["Properties"]
        # The folder `cargo lambda build --release` writes, holding `bootstrap`.
        assert props["CodeUri"] == f"../target/lambda/{name}/"
        manifest = tomllib.loads((REPO / "functions" / name / "Cargo.toml").read_text())
        assert manifest["package"]["name"] == name
        bins = [b["name"] for b in manifest.get("bin", [])] or [name]
        assert bins == [name], f"{name}: cargo lambda names the folder after the binary"
        assert f"functions/{name}" in members
        assert props["FunctionName"] == {"Fn::Sub": f"vigie-${{CrisisId}}-{name}"}


def test_every_template_function_is_built_by_cargo_lambda(template):
    """tests/infra/run builds the functions with `cargo lambda build --release --x86-64` first:
    each CodeUri folder then holds a bootstrap, an x86-64 ELF executable."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    for lid, name in function_folders(template).items():
        bootstrap = target / "lambda" / name / "bootstrap"
        assert bootstrap.is_file(), f"{lid}: {bootstrap} missing (cargo lambda build --release --x86-64)"
        head = bootstrap.read_bytes()[:20]
        assert head[:4] == b"\x7fELF", f"{bootstrap}: not an ELF file"
        assert head[4] == 2 and int.from_bytes(head[18:20], "little") == 0x3E, f"{bootstrap}: not x86-64"
        assert bootstrap.stat().st_mode & 0o111, f"{bootstrap}: not executable"


def test_table_indexes_match_the_store_code(template):
    """The GSIs are those shared/aws/src/dynamo/ creates and queries (DynamoDB Local)."""
    store = REPO / "shared" / "aws" / "src" / "dynamo"
    code = "\n".join(f.read_text() for f in sorted(store.glob("*.rs")))
    # Key attributes are named constants (keys.rs): read their values.
    names = dict(re.findall(r'const (\w+): &str = "(\w+)";', (store / "keys.rs").read_text()))
    in_code = {
        name: (names[pk], names[sk])
        for name, pk, sk in re.findall(r'index\("(\w+)", (\w+), (\w+)\)', code)
    }
    assert {"status", "cluster", "published", "changes"} <= set(in_code)
    table = template["Resources"]["ReportsTable"]["Properties"]
    in_template = {
        g["IndexName"]: tuple(k["AttributeName"] for k in g["KeySchema"])
        for g in table["GlobalSecondaryIndexes"]
    }
    assert in_template == in_code
    # The feed of changes projects what the store reads from it, no more.
    (projected,) = re.findall(r"CHANGES_PROJECTION: \[&str; \d+\] = \[([^\]]*)\]", code)
    changes = next(g for g in table["GlobalSecondaryIndexes"] if g["IndexName"] == "changes")
    assert changes["Projection"]["ProjectionType"] == "INCLUDE"
    assert changes["Projection"]["NonKeyAttributes"] == re.findall(r'"(\w+)"', projected)


# ----------------------------------------------------------------------------------------
# 3a. Deployed to moto: what moto creates
# ----------------------------------------------------------------------------------------


def test_stack_creates_what_moto_supports(stack, translated):
    expected = {lid for lid, r in translated["Resources"].items() if r["Type"] in MOTO_CREATES}
    created = {
        lid
        for lid, r in stack["resources"].items()
        if r["ResourceStatus"] == "CREATE_COMPLETE"
        # moto gives a Lambda permission no physical id: it is checked on the function below.
        and (r.get("PhysicalResourceId") or r["ResourceType"] == "AWS::Lambda::Permission")
    }
    assert expected <= created, expected - created
    assert len(expected) >= 25


def test_api_may_invoke_triage_function(stack, aws):
    name = stack["resources"]["TriageApiFunction"]["PhysicalResourceId"]
    policy = json.loads(aws("lambda").get_policy(FunctionName=name)["Policy"])
    (statement,) = policy["Statement"]
    assert statement["Action"] == "lambda:InvokeFunction"
    assert statement["Principal"] in ({"Service": "apigateway.amazonaws.com"}, "apigateway.amazonaws.com")


def test_table(stack, aws):
    name = stack["outputs"]["TableName"]
    assert stack["resources"]["ReportsTable"]["PhysicalResourceId"] == name
    table = aws("dynamodb").describe_table(TableName=name)["Table"]
    assert table["KeySchema"] == [
        {"AttributeName": "PK", "KeyType": "HASH"},
        {"AttributeName": "SK", "KeyType": "RANGE"},
    ]
    assert all(a["AttributeType"] == "S" for a in table["AttributeDefinitions"])
    indexes = {
        g["IndexName"]: (
            [(k["AttributeName"], k["KeyType"]) for k in g["KeySchema"]],
            g["Projection"]["ProjectionType"],
        )
        for g in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "status": ([("SPK", "HASH"), ("SSK", "RANGE")], "ALL"),
        "cluster": ([("CPK", "HASH"), ("CSK", "RANGE")], "ALL"),
        "published": ([("PPK", "HASH"), ("PSK", "RANGE")], "ALL"),
        "changes": ([("XPK", "HASH"), ("XSK", "RANGE")], "INCLUDE"),
    }
    assert table["StreamSpecification"] == {
        "StreamEnabled": True,
        "StreamViewType": "NEW_AND_OLD_IMAGES",
    }
    assert table["LatestStreamArn"].startswith(table["TableArn"] + "/stream/")
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_table_protection_in_translation(translated):
    # moto does not report point-in-time recovery nor SSE from CloudFormation: read them here.
    table = translated["Resources"]["ReportsTable"]
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"
    props = table["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"]["SSEEnabled"] is True


def test_buckets(stack, aws):
    s3 = aws("s3")
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    for logical, output in [("PublicBucket", "PublicBucketName"), ("ArchiveBucket", "ArchiveBucketName")]:
        name = stack["outputs"][output]
        assert name in names
        assert stack["resources"][logical]["PhysicalResourceId"] == name
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        assert tags["vigie:crisis"] == CRISIS


def test_bucket_settings_in_translation(translated):
    # moto keeps the encryption and tags of a bucket made by CloudFormation, not the rest.
    res = translated["Resources"]
    for lid in ["PublicBucket", "ArchiveBucket"]:
        bucket = res[lid]
        assert bucket["DeletionPolicy"] == "Retain"
        props = bucket["Properties"]
        assert props["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }
        assert props["OwnershipControls"]["Rules"] == [{"ObjectOwnership": "BucketOwnerEnforced"}]
        assert props["VersioningConfiguration"] == {"Status": "Enabled"}
    (cors,) = res["PublicBucket"]["Properties"]["CorsConfiguration"]["CorsRules"]
    assert "GET" in cors["AllowedMethods"]
    assert set(cors["AllowedMethods"]) <= {"GET", "HEAD"}
    assert "CorsConfiguration" not in res["ArchiveBucket"]["Properties"]


def env_of(aws, name: str) -> dict:
    return aws("lambda").get_function(FunctionName=name)["Configuration"]["Environment"]["Variables"]


def test_functions(stack, aws):
    lam = aws("lambda")
    res = stack["resources"]
    table, bucket = stack["outputs"]["TableName"], stack["outputs"]["PublicBucketName"]
    for lid, folder in FUNCTIONS.items():
        name = res[lid]["PhysicalResourceId"]
        assert name == f"vigie-{CRISIS}-{folder}"
        config = lam.get_function(FunctionName=name)["Configuration"]
        assert config["Runtime"] == "provided.al2023"
        assert config["Handler"] == "bootstrap"
        assert config["Role"].endswith("/" + res[lid.replace("Function", "Role")]["PhysicalResourceId"])
        env = config["Environment"]["Variables"]
        assert env["TABLE_NAME"] == table
        assert env["BUCKET_NAME"] == bucket
        assert env["VIGIE_CRISIS_ID"] == CRISIS
        assert env["VIGIE_CRISIS_FILE"] == "/var/task/crisis.toml"
        if lid in COLLECTORS or lid == "TriageApiFunction":
            # The secret is one of the types moto passes over: see conftest.for_moto. The API
            # reads the relay accounts' credentials from it.
            assert env["VIGIE_SECRET_ARN"] == placeholder("SourceCredentials")
        else:
            assert "VIGIE_SECRET_ARN" not in env
        if lid == "TriageApiFunction":
            assert env["VIGIE_ESCALATION_TOPIC"] == stack["outputs"]["TopicArn"]
        else:
            assert "VIGIE_ESCALATION_TOPIC" not in env
        reserved = lam.get_function_concurrency(FunctionName=name).get("ReservedConcurrentExecutions")
        if lid in COLLECTORS or lid == "MapExportFunction":
            assert reserved == 1
        else:
            assert reserved is None
        assert config["Timeout"] <= {"TriageApiFunction": 29, "MapExportFunction": 60}.get(lid, 90)


def test_function_settings_in_translation(translated, template):
    # moto's CloudFormation drops Architectures (always x86_64) and LoggingConfig.
    res = translated["Resources"]
    param = template["Parameters"]["Architecture"]
    assert param["Default"] == "arm64"
    assert param["AllowedValues"] == ["arm64", "x86_64"]
    for lid in FUNCTIONS:
        props = res[lid]["Properties"]
        assert props["Architectures"] == [ref("Architecture")]
        assert props["Runtime"] == "provided.al2023"
        logging = props["LoggingConfig"]
        assert logging["LogFormat"] == "JSON"
        group = res[logging["LogGroup"]["Ref"]]
        assert group["Type"] == "AWS::Logs::LogGroup"
        assert group["Properties"]["RetentionInDays"] == ref("LogRetentionDays")
        assert 128 <= props["MemorySize"] <= 1024
    for lid in COLLECTORS:
        props = res[lid]["Properties"]
        assert props["ReservedConcurrentExecutions"] == 1
        assert res[f"{lid}EventInvokeConfig"]["Properties"]["MaximumRetryAttempts"] == 0


def test_log_groups(stack, aws):
    groups = {
        g["logGroupName"]: g.get("retentionInDays")
        for g in aws("logs").describe_log_groups(logGroupNamePrefix="/")["logGroups"]
    }
    for folder in FUNCTIONS.values():
        assert groups[f"/aws/lambda/vigie-{CRISIS}-{folder}"] == 30
    assert groups[f"/vigie/{CRISIS}/api-access"] == 30


def matches(pattern, event) -> bool:
    """The subset of EventBridge/Lambda event filtering the stream filter uses: nested
    objects, lists of allowed values, and {"exists": bool}."""
    if isinstance(pattern, dict):
        if not isinstance(event, dict):
            return False
        for key, sub in pattern.items():
            if isinstance(sub, list):
                present = key in event
                ok = False
                for alt in sub:
                    if isinstance(alt, dict) and "exists" in alt:
                        ok = ok or (alt["exists"] == present)
                    elif present and event[key] == alt:
                        ok = True
                if not ok:
                    return False
            elif key not in event or not matches(sub, event[key]):
                return False
        return True
    return pattern == event


def test_stream_mapping_keeps_publication_changes(stack, aws):
    table = aws("dynamodb").describe_table(TableName=stack["outputs"]["TableName"])["Table"]
    export = stack["resources"]["MapExportFunction"]["PhysicalResourceId"]
    (mapping,) = aws("lambda").list_event_source_mappings(FunctionName=export)["EventSourceMappings"]
    assert mapping["EventSourceArn"] == table["LatestStreamArn"]
    assert mapping["FunctionArn"].endswith(":function:" + export)
    assert mapping["StartingPosition"] == "LATEST"
    assert mapping["MaximumRetryAttempts"] >= 0
    patterns = [json.loads(f["Pattern"]) for f in mapping["FilterCriteria"]["Filters"]]

    def record(old, new):
        image = lambda fields: {k: {"S": v} for k, v in fields.items()}  # noqa: E731
        body = {"Keys": {"PK": {"S": "R#1"}, "SK": {"S": "R"}}}
        if old is not None:
            body["OldImage"] = image(old)
        if new is not None:
            body["NewImage"] = image(new)
        return {"eventName": "MODIFY", "dynamodb": body}

    kept = lambda rec: any(matches(p, rec) for p in patterns)  # noqa: E731
    report = {"PK": "R#1", "SK": "R", "SPK": "S#new"}
    published = {**report, "PPK": "P", "PSK": "2026-11-28T12:00:00Z#1"}
    assert kept(record(report, published)), "publish"
    assert kept(record(published, report)), "unpublish"
    assert kept(record(published, {**published, "summary": "edited"})), "published report edited"
    assert kept(record(None, published)), "inserted as published"
    assert not kept(record(report, {**report, "SPK": "S#triaged"})), "triage of an unpublished report"
    assert not kept(record(None, {"PK": "CP", "SK": "masto-main"})), "a checkpoint"


def test_roles(stack, aws, translated):
    iam = aws("iam")
    for lid in FUNCTIONS:
        role = stack["resources"][lid.replace("Function", "Role")]["PhysicalResourceId"]
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        if isinstance(trust, str):
            trust = json.loads(trust)
        assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert set(iam.list_role_policies(RoleName=role)["PolicyNames"]) >= {"logs"}
        assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == []


def statements(translated: dict, role: str) -> list[dict]:
    props = translated["Resources"][role]["Properties"]
    assert "ManagedPolicyArns" not in props
    return [s for p in props["Policies"] for s in p["PolicyDocument"]["Statement"]]


def actions(translated: dict, role: str) -> set[str]:
    return {a for s in statements(translated, role) for a in as_list(s["Action"])}


def test_least_privilege(translated):
    table_arns = [getatt("ReportsTable", "Arn"), {"Fn::Sub": "${ReportsTable.Arn}/index/*"}]
    store = {
        "dynamodb:DescribeTable",
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:BatchWriteItem",
    }
    for lid in FUNCTIONS:
        role = lid.replace("Function", "Role")
        for s in statements(translated, role):
            assert s["Effect"] == "Allow"
            for action in as_list(s["Action"]):
                assert "*" not in action, f"{role}: {action}"
            if s["Resource"] == "*":
                # The one action IAM authorises only on "*".
                assert as_list(s["Action"]) == ["dynamodb:ListStreams"], f"{role}: {s}"
        logs = [s for s in statements(translated, role) if "logs:PutLogEvents" in as_list(s["Action"])]
        assert logs == [
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": getatt(lid.replace("Function", "LogGroup"), "Arn"),
            }
        ]
    for lid in COLLECTORS:
        role = lid.replace("Function", "Role")
        assert actions(translated, role) == store | {
            "secretsmanager:GetSecretValue",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
        }
        (secret,) = [s for s in statements(translated, role) if s["Action"] == "secretsmanager:GetSecretValue"]
        assert secret["Resource"] == ref("SourceCredentials")
        (db,) = [s for s in statements(translated, role) if s.get("Sid") == "ReportStore"]
        assert db["Resource"] == table_arns
    triage = "TriageApiRole"
    assert actions(translated, triage) == store | {
        "sns:Publish",
        "secretsmanager:GetSecretValue",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    }
    (publish,) = [s for s in statements(translated, triage) if s["Action"] == "sns:Publish"]
    assert publish["Resource"] == ref("AlertTopic")
    (secret,) = [s for s in statements(translated, triage) if s["Action"] == "secretsmanager:GetSecretValue"]
    assert secret["Resource"] == ref("SourceCredentials")
    export = {s.get("Sid"): s for s in statements(translated, "MapExportRole")}
    assert set(export["ReadReports"]["Action"]) == {"dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:Query"}
    assert export["PublicIdSecret"]["Action"] == "dynamodb:PutItem"
    assert export["PublicIdSecret"]["Condition"] == {
        "ForAllValues:StringEquals": {"dynamodb:LeadingKeys": ["CP"]}
    }
    assert export["PublicFiles"]["Resource"] == {"Fn::Sub": "${PublicBucket.Arn}/public/*"}
    assert set(export["PublicFiles"]["Action"]) == {"s3:GetObject", "s3:PutObject"}
    assert set(export["ReadStream"]["Action"]) == {
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
    }
    assert export["ReadStream"]["Resource"] == getatt("ReportsTable", "StreamArn")
    writers = {
        lid
        for lid in FUNCTIONS
        if any(a.startswith("s3:Put") for a in actions(translated, lid.replace("Function", "Role")))
    }
    assert writers == {"MapExportFunction"}


def test_topic_queue_and_outputs(stack, aws):
    out = stack["outputs"]
    assert out["TopicArn"] == stack["resources"]["AlertTopic"]["PhysicalResourceId"]
    aws("sns").get_topic_attributes(TopicArn=out["TopicArn"])
    attrs = aws("sqs").get_queue_attributes(QueueUrl=out["DeadLetterQueueUrl"], AttributeNames=["All"])
    assert int(attrs["Attributes"]["MessageRetentionPeriod"]) == 14 * 24 * 3600
    # Outputs on resources moto creates came through; the others are read in the translation.
    assert {"TableName", "PublicBucketName", "ArchiveBucketName", "TopicArn", "DeadLetterQueueUrl"} <= set(out)


# ----------------------------------------------------------------------------------------
# 3b. What moto passes over, read in the translated template
# ----------------------------------------------------------------------------------------


def test_schedules(translated, template):
    schedules = resources_of(translated, "AWS::Scheduler::Schedule")
    assert len(schedules) == 6
    by_target = {s["Properties"]["Target"]["Arn"]["Fn::GetAtt"][0]: s["Properties"] for s in schedules.values()}
    assert set(by_target) == set(SCHEDULED)
    for lid, rate in SCHEDULED.items():
        props = by_target[lid]
        assert props["ScheduleExpression"] == rate
        assert props["State"] == ref("SchedulesState")
        assert props["FlexibleTimeWindow"] == {"Mode": "OFF"}
        # Unique per crisis: several crises may share an account and the default group.
        assert "${CrisisId}" in sub_text(props["Name"])
        target = props["Target"]
        assert target["Arn"] == getatt(lid, "Arn")
        assert json.loads(target["Input"]) == {}  # every source of the function's kind
        assert target["DeadLetterConfig"] == {"Arn": getatt("ScheduleDeadLetterQueue", "Arn")}
        retry = target["RetryPolicy"]
        assert 1 <= retry["MaximumRetryAttempts"] <= 5
        assert 60 <= retry["MaximumEventAgeInSeconds"] <= 900
        role = translated["Resources"][target["RoleArn"]["Fn::GetAtt"][0]]["Properties"]
        assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
            "Service": ["scheduler.amazonaws.com"]
        }
        granted = [
            (s["Action"], s["Resource"]) for p in role["Policies"] for s in p["PolicyDocument"]["Statement"]
        ]
        assert sorted(granted, key=str) == sorted(
            [
                ("lambda:InvokeFunction", getatt(lid, "Arn")),
                ("sqs:SendMessage", getatt("ScheduleDeadLetterQueue", "Arn")),
            ],
            key=str,
        )
    params = template["Parameters"]
    assert params["SchedulesState"]["AllowedValues"] == ["ENABLED", "DISABLED"]
    for name in ["MastodonRate", "BlueskyRate", "FeedsRate", "XRate", "YouTubeRate"]:
        pattern = params[name]["AllowedPattern"]
        assert re.fullmatch(pattern, params[name]["Default"])
        assert re.fullmatch(pattern, "rate(1 minute)") and re.fullmatch(pattern, "rate(15 minutes)")
        assert not re.fullmatch(pattern, "rate(0 minutes)") and not re.fullmatch(pattern, "cron(* * * * ? *)")


def test_http_api(translated):
    (api_id,) = resources_of(translated, "AWS::ApiGatewayV2::Api")
    api = translated["Resources"][api_id]["Properties"]
    assert api_id == "TriageHttpApi"
    body = api["Body"]
    route = body["paths"]["/$default"]["x-amazon-apigateway-any-method"]
    assert route["isDefaultRoute"] is True
    integration = route["x-amazon-apigateway-integration"]
    assert integration["type"] == "aws_proxy"
    assert integration["payloadFormatVersion"] == "2.0"
    assert "${TriageApiFunction.Arn}" in sub_text(integration["uri"])
    assert integration["timeoutInMillis"] <= 30000
    assert set(body["paths"]) == {"/$default"}  # /api/v1/... and /healthz all reach the router
    # CORS is the router's (the crisis file's `[triage] cors_origins`): an API Gateway CORS
    # configuration would answer preflights itself, for any origin it lists, before the router.
    assert "x-amazon-apigateway-cors" not in body
    assert "CorsConfiguration" not in translated["Resources"][api_id]["Properties"]
    (stage,) = resources_of(translated, "AWS::ApiGatewayV2::Stage").values()
    stage = stage["Properties"]
    assert stage["ApiId"] == ref("TriageHttpApi")
    assert stage["StageName"] == "$default" and stage["AutoDeploy"] is True
    assert stage["DefaultRouteSettings"] == {
        "ThrottlingRateLimit": ref("ApiThrottleRate"),
        "ThrottlingBurstLimit": ref("ApiThrottleBurst"),
    }
    logs = stage["AccessLogSettings"]
    assert "${ApiAccessLogGroup}" in sub_text(logs["DestinationArn"])
    fields = json.loads(logs["Format"])
    assert {"requestId", "status", "ip", "method", "path"} <= set(fields)
    (permission,) = [
        p["Properties"]
        for p in resources_of(translated, "AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == ref("TriageApiFunction")
    ]
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["SourceArn"]["Fn::Sub"][1]["__ApiId__"] == ref("TriageHttpApi")


CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"}


def distribution(translated) -> dict:
    return translated["Resources"]["PublicDistribution"]["Properties"]["DistributionConfig"]


def behaviours(translated) -> dict:
    """Path pattern -> cache behaviour, the default one under "*"."""
    dist = distribution(translated)
    out = {b["PathPattern"]: b for b in dist.get("CacheBehaviors", [])}
    out["*"] = dist["DefaultCacheBehavior"]
    return out


def test_cloudfront_serves_the_private_bucket(translated):
    res = translated["Resources"]
    oac = res["PublicOriginAccessControl"]["Properties"]["OriginAccessControlConfig"]
    assert (oac["OriginAccessControlOriginType"], oac["SigningBehavior"], oac["SigningProtocol"]) == (
        "s3",
        "always",
        "sigv4",
    )
    dist = distribution(translated)
    origins = {o["Id"]: o for o in dist["Origins"]}
    assert set(origins) == {"public-bucket", "app-bucket", "triage-api"}
    # The same private bucket twice, through the origin access control: as is (public/...)
    # and under app/ (the app at the root of the distribution).
    for lid, path in [("public-bucket", ""), ("app-bucket", "/app")]:
        origin = origins[lid]
        assert origin["DomainName"] == getatt("PublicBucket", "RegionalDomainName")
        assert origin["OriginAccessControlId"] == getatt("PublicOriginAccessControl", "Id")
        assert origin["S3OriginConfig"]["OriginAccessIdentity"] == ""
        assert origin.get("OriginPath", "") == path
    assert dist["DefaultRootObject"] == "index.html"  # `/` is app/index.html
    by_path = behaviours(translated)
    assert set(by_path) == {"*", "/public/*", "/api/*", "/healthz"}
    for pattern, origin in [("*", "app-bucket"), ("/public/*", "public-bucket")]:
        b = by_path[pattern]
        assert b["TargetOriginId"] == origin, pattern
        assert b["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
        assert set(b["AllowedMethods"]) <= {"GET", "HEAD", "OPTIONS"}, pattern
        # CachingOptimized honours the files' own Cache-Control (index.html no-cache, hashed
        # assets a year) and keeps query strings out of the cache key.
        assert b["CachePolicyId"] == CACHING_OPTIMIZED, pattern
        assert "OriginRequestPolicyId" not in b
    public = res[by_path["/public/*"]["ResponseHeadersPolicyId"]["Ref"]]["Properties"]["ResponseHeadersPolicyConfig"]
    assert "GET" in public["CorsConfig"]["AccessControlAllowMethods"]["Items"]
    assert public["CorsConfig"]["AccessControlAllowCredentials"] is False
    assert by_path["*"]["ResponseHeadersPolicyId"] == ref("AppResponseHeaders")


def test_cloudfront_forwards_the_api_uncached(translated):
    """/api/* and /healthz go to the HTTP API: same origin as the app, so the app needs no
    CORS; nothing cached; every method; Authorization, If-Match, If-None-Match and the query
    string reach the API (all viewer headers but Host, which must be API Gateway's own)."""
    api = {o["Id"]: o for o in distribution(translated)["Origins"]}["triage-api"]
    assert sub_text(api["DomainName"]) == "${TriageHttpApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"
    assert "S3OriginConfig" not in api and "OriginAccessControlId" not in api
    assert api.get("OriginPath", "") == ""  # /api/v1/... reaches the router as it is
    custom = api["CustomOriginConfig"]
    assert custom["OriginProtocolPolicy"] == "https-only"
    assert custom["OriginSSLProtocols"] == ["TLSv1.2"]
    assert custom["OriginReadTimeout"] >= 29  # the API's integration timeout
    by_path = behaviours(translated)
    for pattern in ["/api/*", "/healthz"]:
        b = by_path[pattern]
        assert b["TargetOriginId"] == "triage-api", pattern
        assert b["ViewerProtocolPolicy"] in {"redirect-to-https", "https-only"}
        assert b["CachePolicyId"] == CACHING_DISABLED, pattern
        # The managed policy that forwards Authorization when caching is disabled (a policy
        # of our own naming Authorization is refused by CloudFront), and with it If-Match,
        # If-None-Match, Content-Type, the query string and cookies; not Host.
        assert b["OriginRequestPolicyId"] == ALL_VIEWER_EXCEPT_HOST, pattern
        assert "ForwardedValues" not in b  # no legacy cache settings beside the policies
        assert b["ResponseHeadersPolicyId"] == ref("AppResponseHeaders")
    assert set(by_path["/api/*"]["AllowedMethods"]) == ALL_METHODS
    assert {"GET", "HEAD"} <= set(by_path["/healthz"]["AllowedMethods"])
    # The router answers exactly these paths: /api/v1/... and /healthz.
    router = (REPO / "shared" / "app" / "src" / "api" / "mod.rs").read_text()
    assert '"/healthz"' in router and '"/api/v1/' in router
    # No CloudFront-made CORS on the API either: the app is same-origin, and other origins get
    # the router's CORS from the crisis file.
    app = translated["Resources"]["AppResponseHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert "CorsConfig" not in app


def csp_directives(text: str) -> dict[str, list[str]]:
    out = {}
    for part in text.split(";"):
        words = part.split()
        if words:
            assert words[0] not in out, f"{words[0]} twice"
            out[words[0]] = words[1:]
    return out


@pytest.mark.parametrize("policy", ["AppResponseHeaders", "PublicResponseHeaders"])
def test_the_pages_have_a_strict_content_security_policy(translated, policy):
    """The volunteers' app and the public map: their own files, the tile server's images."""
    config = translated["Resources"][policy]["Properties"]["ResponseHeadersPolicyConfig"]
    csp = config["SecurityHeadersConfig"]["ContentSecurityPolicy"]
    assert csp["Override"] is True
    text = sub_text(csp["ContentSecurityPolicy"])
    directives = csp_directives(text)
    assert directives["default-src"] == ["'none'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["connect-src"] == ["'self'"]
    assert directives["img-src"] == ["'self'", "data:", "${TileServerOrigin}"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    for name, sources in directives.items():
        for s in sources:
            assert s not in {"*", "'unsafe-inline'", "'unsafe-eval'", "http:", "https:", "blob:"}, (name, s)
            assert s in {"'self'", "'none'", "data:", "${TileServerOrigin}"}, (name, s)
    assert len(text) < 1783  # CloudFront's limit on the header's value


def test_app_response_headers(translated, template):
    config = translated["Resources"]["AppResponseHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    assert "${CrisisId}" in sub_text(config["Name"])
    security = config["SecurityHeadersConfig"]
    hsts = security["StrictTransportSecurity"]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000 and hsts["Override"] is True
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"] == {"ReferrerPolicy": "no-referrer", "Override": True}
    # The tile server: a parameter, an https origin only, so nothing can be slipped into the
    # policy through it (no space, no `;`, no path).
    param = template["Parameters"]["TileServerOrigin"]
    assert param["Default"] == "https://tile.openstreetmap.org"
    pattern = param["AllowedPattern"]
    for good in ["https://tile.openstreetmap.org", "https://*.tile.openstreetmap.fr", "https://tiles.example:8443"]:
        assert re.fullmatch(pattern, good), good
    for bad in [
        "http://tile.openstreetmap.org",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "https://a.example; script-src *",
        "https://a.example 'unsafe-inline'",
        "https://*",
        "*",
        "",
    ]:
        assert not re.fullmatch(pattern, bad), bad


def test_bucket_policy_lets_cloudfront_read_public_and_app_only(translated):
    res = translated["Resources"]
    policy = res["PublicBucketPolicy"]["Properties"]
    assert policy["Bucket"] == ref("PublicBucket")
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert allows == [
        {
            "Sid": "CloudFrontReadsPublicAndApp",
            "Effect": "Allow",
            "Principal": {"Service": "cloudfront.amazonaws.com"},
            "Action": "s3:GetObject",
            "Resource": [
                {"Fn::Sub": "${PublicBucket.Arn}/public/*"},
                {"Fn::Sub": "${PublicBucket.Arn}/app/*"},
            ],
            "Condition": {
                "StringEquals": {
                    "AWS:SourceArn": {
                        "Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/${PublicDistribution}"
                    }
                }
            },
        }
    ]
    for lid in ["PublicBucketPolicy", "ArchiveBucketPolicy"]:
        denies = [s for s in res[lid]["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
        assert denies and denies[0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    # And nothing else reads the bucket: public access stays blocked (the app/ prefix is
    # public only through CloudFront).
    assert all(res["PublicBucket"]["Properties"]["PublicAccessBlockConfiguration"].values())


def test_exporter_writes_the_page_the_map_url_names(translated):
    site = (REPO / "shared" / "app" / "src" / "site.rs").read_text()
    assert '"index.html"' in site
    url = sub_text(translated["Outputs"]["PublicMapUrl"]["Value"])
    assert url == "https://${PublicDistribution.DomainName}/public/index.html"
    # The functions publish under public/ (vigie_host::publish_spec_from_env).
    host = (REPO / "shared" / "host" / "src" / "config.rs").read_text()
    assert 's3://{b}/public' in host


def test_outputs(translated):
    out = {k: v["Value"] for k, v in translated["Outputs"].items()}
    assert out["ApiUrl"] == getatt("TriageHttpApi", "ApiEndpoint")
    assert out["TableName"] == ref("ReportsTable")
    assert out["PublicBucketName"] == ref("PublicBucket")
    assert out["ArchiveBucketName"] == ref("ArchiveBucket")
    assert out["TopicArn"] == ref("AlertTopic")
    assert out["SecretArn"] == ref("SourceCredentials")
    assert "PublicMapUrl" in out
    # The app at the distribution's root; `vigie activate` prints it and the sign-in link.
    assert sub_text(out["AppUrl"]) == "https://${PublicDistribution.DomainName}/"


def test_secret_topic_and_subscription(translated, template):
    res = translated["Resources"]
    secret = res["SourceCredentials"]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    assert json.loads(secret["Properties"]["SecretString"]) == {}
    sub = res["AlertEmailSubscription"]
    assert sub["Condition"] == "HasAlertEmail"
    assert sub["Properties"] == {"TopicArn": ref("AlertTopic"), "Protocol": "email", "Endpoint": ref("AlertEmail")}
    assert translated["Conditions"]["HasAlertEmail"] == {"Fn::Not": [{"Fn::Equals": [ref("AlertEmail"), ""]}]}
    pattern = template["Parameters"]["AlertEmail"]["AllowedPattern"]
    assert re.fullmatch(pattern, "") and re.fullmatch(pattern, "cellule@prefecture.example")
    assert not re.fullmatch(pattern, "not an address")


def test_alarms(translated):
    alarms = [a["Properties"] for a in resources_of(translated, "AWS::CloudWatch::Alarm").values()]
    for a in alarms:
        assert a["AlarmActions"] == [ref("AlertTopic")]
    errors = {
        a["Dimensions"][0]["Value"]["Ref"]
        for a in alarms
        if (a["Namespace"], a["MetricName"]) == ("AWS/Lambda", "Errors")
    }
    assert set(COLLECTORS) <= errors
    (dlq,) = [a for a in alarms if a["Namespace"] == "AWS/SQS"]
    assert dlq["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert dlq["Dimensions"] == [{"Name": "QueueName", "Value": getatt("ScheduleDeadLetterQueue", "QueueName")}]
    (api,) = [a for a in alarms if a["Namespace"] == "AWS/ApiGateway"]
    assert api["MetricName"] == "5xx"
    assert api["Dimensions"] == [{"Name": "ApiId", "Value": ref("TriageHttpApi")}]


# ----------------------------------------------------------------------------------------
# samconfig.toml
# ----------------------------------------------------------------------------------------


def test_samconfig_examples_fit_the_template(template):
    config = tomllib.loads(SAMCONFIG.read_text())
    crises = {env: body for env, body in config.items() if isinstance(body, dict)}
    assert len(crises) >= 2
    params = template["Parameters"]
    for env, body in crises.items():
        deploy = body["deploy"]["parameters"]
        assert deploy["stack_name"] == f"vigie-{env}"
        assert set(deploy["capabilities"].split()) == {"CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"}
        assert deploy["resolve_s3"] is True
        assert deploy["confirm_changeset"] is False
        assert deploy["region"]
        overrides = dict(pair.split("=", 1) for pair in shlex.split(deploy["parameter_overrides"]))
        assert overrides["CrisisId"] == env
        assert re.fullmatch(params["CrisisId"]["AllowedPattern"], env)
        for key, value in overrides.items():
            assert key in params, f"{env}: unknown parameter {key}"
            spec = params[key]
            if "AllowedPattern" in spec:
                assert re.fullmatch(spec["AllowedPattern"], value), f"{env}: {key}={value}"
            if "AllowedValues" in spec:
                assert value in [str(v) for v in spec["AllowedValues"]], f"{env}: {key}={value}"
        required = {k for k, spec in params.items() if "Default" not in spec}
        assert required <= set(overrides)
