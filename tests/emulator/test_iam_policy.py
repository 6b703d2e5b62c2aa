"""The policy evaluator behind Bedrock's checks, and the emulator's client to the offline AWS services."""

from __future__ import annotations

import json
import random
import re
import time
from urllib.parse import quote

import boto3
import pytest

from helpers.emulator import Emulator, auth, iam_policy
from helpers.emulator.aws_backend import LOG_STREAM

ACCOUNT = auth.ACCOUNT_ID
BUCKET_ARN = f"arn:aws:s3:::logs-bucket/bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/x"
# The AWS documentation's bucket policy for invocation logging (I-facts Q6), filled in.
LOGS_WRITE = {"Version": "2012-10-17", "Statement": [{
    "Sid": "AmazonBedrockLogsWrite", "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"},
    "Action": ["s3:PutObject"],
    "Resource": [f"arn:aws:s3:::logs-bucket/bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/*"],
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                  "ArnLike": {"aws:SourceArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:*"}}}]}
CONTEXT = {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:invocation-logging"}
# The batch service role's trust policy from the AWS documentation (I-facts Q5).
BATCH_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"}, "Action": "sts:AssumeRole",
    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT},
                  "ArnEquals": {"aws:SourceArn": f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/*"}}}]}


def bucket_allows(policy: object, resource: str = BUCKET_ARN, context: dict | None = None,
                  action: str = "s3:PutObject") -> bool:
    return iam_policy.allows([policy], action=action, resource=resource, principal_service="bedrock.amazonaws.com",
                             context=CONTEXT if context is None else context)


class TestBucketPolicy:
    def test_the_documented_policy_allows(self) -> None:
        assert bucket_allows(LOGS_WRITE)
        assert bucket_allows(json.dumps(LOGS_WRITE))  # as S3 returns it: text

    @pytest.mark.parametrize("resource", [
        f"arn:aws:s3:::logs-bucket/other/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/x",
        f"arn:aws:s3:::other-bucket/bedrock/AWSLogs/{ACCOUNT}/BedrockModelInvocationLogs/x",
        "arn:aws:s3:::logs-bucket/bedrock/AWSLogs/999999999999/BedrockModelInvocationLogs/x",
    ])
    def test_outside_the_resource(self, resource: str) -> None:
        assert not bucket_allows(LOGS_WRITE, resource)

    def test_conditions(self) -> None:
        assert not bucket_allows(LOGS_WRITE, context={**CONTEXT, "aws:SourceAccount": "999999999999"})
        assert not bucket_allows(LOGS_WRITE, context={**CONTEXT, "aws:SourceArn": "arn:aws:bedrock:eu-west-1:x:y"})
        assert not bucket_allows(LOGS_WRITE, context={})  # a missing key fails a condition

    def test_action_principal_and_effect(self) -> None:
        assert not bucket_allows(LOGS_WRITE, action="s3:GetObject")
        assert bucket_allows(LOGS_WRITE, action="S3:putobject")  # actions are case-insensitive
        other = json.loads(json.dumps(LOGS_WRITE).replace("bedrock.amazonaws.com", "logs.amazonaws.com"))
        assert not bucket_allows(other)
        everyone = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:*", "Resource": "*"}]}
        assert bucket_allows(everyone)
        denied = {"Statement": [*LOGS_WRITE["Statement"], {"Effect": "Deny", "Principal": "*", "Action": "s3:Put*",
                                                            "Resource": "arn:aws:s3:::logs-bucket/*"}]}
        assert not bucket_allows(denied)

    @pytest.mark.parametrize("policy", [None, "", "not json", [], {"Statement": "x"}, {"Statement": [1, None]}])
    def test_unreadable_policies_allow_nothing(self, policy: object) -> None:
        assert not bucket_allows(policy)

    def test_what_it_cannot_read_never_grants(self) -> None:
        unknown = json.loads(json.dumps(LOGS_WRITE).replace('"ArnLike"', '"DateGreaterThan"'))
        assert not bucket_allows(unknown)
        deny_unknown = {"Statement": [*LOGS_WRITE["Statement"], {
            "Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"NumericLessThan": {"aws:SourceAccount": "10"}}}]}
        assert not bucket_allows(deny_unknown)

    def test_not_action_not_resource_and_if_exists(self) -> None:
        services = ["x.amazonaws.com", "bedrock.amazonaws.com"]
        policy = {"Statement": [{"Effect": "Allow", "Principal": {"Service": services},
                                 "NotAction": "s3:Delete*", "NotResource": "arn:aws:s3:::secret/*",
                                 "Condition": {"StringEqualsIfExists": {"aws:SourceVpc": "vpc-1"}}}]}
        assert bucket_allows(policy)
        assert not bucket_allows(policy, action="s3:DeleteObject")
        assert not bucket_allows(policy, resource="arn:aws:s3:::secret/a")

    def test_wildcards_are_not_regular_expressions(self) -> None:
        policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                                 "Resource": "arn:aws:s3:::a.b/?x/*"}]}
        assert bucket_allows(policy, "arn:aws:s3:::a.b/1x/key")
        assert not bucket_allows(policy, "arn:aws:s3:::aXb/1x/key")
        assert not bucket_allows(policy, "arn:aws:s3:::a.b/12x/key")


class TestWildcards:
    """``*`` and ``?`` matched without backtracking: many stars cost no more than one."""

    def test_many_stars_take_milliseconds(self) -> None:
        value = "arn:aws:s3:::" + "a" * 5_000
        started = time.perf_counter()
        for pattern in ("arn:aws:s3:::" + "*" * 50 + "X", "arn:aws:s3:::" + "*a" * 50 + "X",
                        "arn:aws:s3:::" + "*?" * 50 + "X"):
            policy = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:PutObject",
                                     "Resource": pattern}]}
            assert not bucket_allows(policy, value)
        assert time.perf_counter() - started < 0.5  # the regex form took hours (8 stars) to years (50)

    def test_same_answers_as_a_regular_expression(self) -> None:
        """On random short cases, the same answers as the obvious (backtracking) translation to a regex."""
        rng = random.Random(12)
        for _ in range(20_000):
            pattern = "".join(rng.choice("ab*?") for _ in range(rng.randint(0, 7)))
            value = "".join(rng.choice("abAB") for _ in range(rng.randint(0, 8)))
            ignore_case = rng.random() < 0.3
            regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
            expected = re.fullmatch(regex, value, re.DOTALL | (re.IGNORECASE if ignore_case else 0)) is not None
            assert iam_policy._like(pattern, value, ignore_case) is expected, (pattern, value, ignore_case)


# Two common bucket-policy Denies: requests only through our VPC endpoint, and HTTPS only.
VPC_ONLY = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:SourceVpce": "vpce-1"}}}
HTTPS_ONLY = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
              "Condition": {"Bool": {"aws:SecureTransport": "false"}}}


class TestMissingKeys:
    """AWS: a negated operator on a key the request does not carry is true; the keys Bedrock's requests carry."""

    def with_deny(self, deny: dict) -> dict:
        return {"Statement": [*LOGS_WRITE["Statement"], deny]}

    @pytest.mark.parametrize("operator", ["StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike",
                                          "ArnNotEquals", "ArnNotLike"])
    def test_negated_operator_on_a_missing_key_denies(self, operator: str) -> None:
        key, value = ("aws:SourceVpce", "vpce-1") if operator.startswith("String") else \
            ("aws:SourceVpcArn", "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-1")
        deny = {**VPC_ONLY, "Condition": {operator: {key: value}}}
        assert not bucket_allows(self.with_deny(deny), context={**CONTEXT, **iam_policy.SERVICE_CONTEXT})
        assert bucket_allows(self.with_deny(deny), context={**CONTEXT, key: value})

    def test_the_vpc_endpoint_only_deny(self) -> None:
        assert not bucket_allows(self.with_deny(VPC_ONLY), context={**CONTEXT, **iam_policy.SERVICE_CONTEXT})

    def test_positive_operators_on_a_missing_key_stay_false(self) -> None:
        deny = {**VPC_ONLY, "Condition": {"StringEquals": {"aws:SourceVpce": "vpce-1"}}}
        assert bucket_allows(self.with_deny(deny))
        if_exists = {**VPC_ONLY, "Condition": {"StringNotEqualsIfExists": {"aws:SourceVpce": "vpce-1"}}}
        assert bucket_allows({"Statement": [*LOGS_WRITE["Statement"], if_exists]},
                             context={**CONTEXT, "aws:SourceVpce": "vpce-1"})

    def test_https_only_deny_does_not_stop_bedrock(self) -> None:
        assert bucket_allows(self.with_deny(HTTPS_ONLY), context={**CONTEXT, **iam_policy.SERVICE_CONTEXT})
        assert not bucket_allows(self.with_deny(HTTPS_ONLY), context={**CONTEXT, "aws:SecureTransport": "false"})

    def test_service_keys(self) -> None:
        only_bedrock = {"Effect": "Deny", "Principal": "*", "Action": "s3:*", "Resource": "*",
                        "Condition": {"StringNotEquals": {"aws:PrincipalServiceName": "bedrock.amazonaws.com"},
                                      "Bool": {"aws:PrincipalIsAWSService": "true"}}}
        assert bucket_allows(self.with_deny(only_bedrock), context={**CONTEXT, **iam_policy.SERVICE_CONTEXT})


class TestDocuments:
    @pytest.mark.parametrize("text", [json.dumps(LOGS_WRITE), quote(json.dumps(LOGS_WRITE))])
    def test_text_and_url_encoded_text(self, text: str) -> None:
        assert iam_policy.document(text) == LOGS_WRITE

    @pytest.mark.parametrize("text", ["not json {", "[]", "1", None, "[" * 100_000])
    def test_not_a_json_object(self, text: object) -> None:
        assert iam_policy.document(text) is None


class TestTrust:
    def test_the_documented_batch_trust(self) -> None:
        job = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/abcdefghij12"
        assert iam_policy.role_trusts(BATCH_TRUST, context={"aws:SourceAccount": ACCOUNT, "aws:SourceArn": job})
        # ArnEquals takes wildcards too (AWS: ArnEquals and ArnLike behave the same)
        assert not iam_policy.role_trusts(BATCH_TRUST, context={"aws:SourceAccount": ACCOUNT,
                                                                "aws:SourceArn": job.replace("us-east-1", "eu-west-1")})
        assert not iam_policy.role_trusts(BATCH_TRUST, "lambda.amazonaws.com",
                                          {"aws:SourceAccount": ACCOUNT, "aws:SourceArn": job})

    def test_trust_for_another_action(self) -> None:
        trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "bedrock.amazonaws.com"},
                                "Action": "sts:TagSession"}]}
        assert not iam_policy.role_trusts(trust)


def test_identity_policies_name_no_principal() -> None:
    policy = {"Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                             "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/bedrock:log-stream:*"}]}
    stream = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/bedrock:log-stream:{LOG_STREAM}"
    assert iam_policy.allows([policy], action="logs:PutLogEvents", resource=stream)
    assert not iam_policy.allows([policy], action="logs:DeleteLogGroup", resource=stream)
    with_principal = {"Statement": [{**policy["Statement"][0], "Principal": "*"}]}
    assert not iam_policy.allows([with_principal], action="logs:PutLogEvents", resource=stream)


class TestBackend:
    """The emulator's own view of the offline services, written to with the learner's plain boto3 clients."""

    def test_buckets_roles_and_log_groups(self, emulator: Emulator) -> None:
        aws = emulator.state.aws
        env = emulator.env
        session = boto3.session.Session(aws_access_key_id=auth.ACCESS_KEY_ID,
                                        aws_secret_access_key=auth.SECRET_ACCESS_KEY, region_name="us-east-1")
        s3 = session.client("s3", endpoint_url=env["AWS_ENDPOINT_URL_S3"])
        iam = session.client("iam", endpoint_url=env["AWS_ENDPOINT_URL_IAM"])
        logs = session.client("logs", endpoint_url=env["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"])
        name = f"backend-{time.time_ns()}"
        assert aws.bucket_region(name) is None and aws.bucket_policy(name) is None
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        assert aws.bucket_region(name) == "eu-west-1" and aws.bucket_policy(name) is None
        s3.put_bucket_policy(Bucket=name, Policy=json.dumps(LOGS_WRITE))
        assert aws.bucket_policy(name) == LOGS_WRITE
        aws.put_object(name, "a/b.jsonl", b"{}\n", "eu-west-1")
        assert aws.head_object(name, "a/b.jsonl", "eu-west-1") == 3
        assert aws.head_object(name, "a/c", "eu-west-1") is None
        assert aws.list_keys(name, "a/", "eu-west-1") == [("a/b.jsonl", 3)]
        assert aws.get_object_stream(name, "a/b.jsonl", "eu-west-1").read() == b"{}\n"

        assert aws.role(f"arn:aws:iam::{ACCOUNT}:role/{name}") is None
        assert aws.role(f"arn:aws:iam::999999999999:role/{name}") is None  # another account's role: not here
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(BATCH_TRUST))
        inline = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject",
                                                          "Resource": "*"}]}
        iam.put_role_policy(RoleName=name, PolicyName="inline", PolicyDocument=json.dumps(inline))
        managed = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(LOGS_WRITE | {"Statement": [
            {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}]}))["Policy"]["Arn"]
        iam.attach_role_policy(RoleName=name, PolicyArn=managed)
        role = aws.role(f"arn:aws:iam::{ACCOUNT}:role/{name}")
        assert role is not None and role.trust == BATCH_TRUST and len(role.policies) == 2

        group = f"/aws/bedrock/{name}"
        assert not aws.log_group_exists(group, "us-east-1")
        logs.create_log_group(logGroupName=group)
        assert aws.log_group_exists(group, "us-east-1") and not aws.log_group_exists(group[:-1], "us-east-1")
        now = int(time.time() * 1000)
        aws.put_log_event(group, LOG_STREAM, "one", now, "us-east-1")
        aws.put_log_event(group, LOG_STREAM, "two", now + 1, "us-east-1")
        events = logs.filter_log_events(logGroupName=group)["events"]
        assert [(e["logStreamName"], e["message"]) for e in events] == [(LOG_STREAM, "one"), (LOG_STREAM, "two")]


def test_batch_requests_carry_bedrocks_keys() -> None:
    """Batch checks evaluate with the keys Bedrock's requests carry: an HTTPS-only Deny does not stop the job."""
    from helpers.emulator import batch_input

    job = f"arn:aws:bedrock:us-east-1:{ACCOUNT}:model-invocation-job/abcdefghij12"
    role_policy = {"Statement": [
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::input/*"},
        {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}
    assert iam_policy.allows([role_policy], action="s3:GetObject", resource="arn:aws:s3:::input/a.jsonl",
                             context=batch_input.context(job))
    vpc_only = {"Statement": [role_policy["Statement"][0], {k: v for k, v in VPC_ONLY.items() if k != "Principal"}]}
    assert not iam_policy.allows([vpc_only], action="s3:GetObject", resource="arn:aws:s3:::input/a.jsonl",
                                 context=batch_input.context(job))
