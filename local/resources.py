"""Create on moto every resource infra/template.yaml declares, and derive the functions' environment.

The template is the only list of resources: this module knows how to create each *type*, not which
resources exist. Resources Chalice generates (functions, APIs, roles) are served by the local gateway.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Callable

import boto3

from local.cfn import ACCOUNT_ID, Resolver, Unresolved, load_template

TEMPLATE = Path(__file__).resolve().parents[1] / "infra" / "template.yaml"

LOCAL_PARAMETERS = {  # local-only defaults; each can be overridden by the environment variable of the same role
    "MailDomain": "parley.test",
    "AllowedOrigins": "http://127.0.0.1:8000,http://localhost:8000",
    "PublicUrl": "",  # the stack sets PUBLIC_URL to its own address once it knows its port
    "VisitorTokenSecret": "local-visitor-token-secret-0123456789abcdef",
    "SdkSharedSecret": "local-sdk-shared-secret",
    "MetaAppSecret": "local-meta-secret",
    "MetaVerifyToken": "local-verify-token",
    "TwilioAuthToken": "local-twilio-token",
    "TelegramSecretToken": "local-telegram-secret",
    # Outbound channel settings: locally replies land in the local outbox, so these only need a valid shape.
    "WhatsAppPhoneNumberId": "100000000000001",
    "WhatsAppAccessToken": "local-whatsapp-token",
    "MetaPageAccessToken": "local-page-token",
    "TelegramBotToken": "100000001:local-telegram-bot-token",
    "TwilioAccountSid": "AC00000000000000000000000000000001",
    "TwilioFromNumber": "+15550100000",
}


def _name(logical_id: str) -> str:
    return f"parley-{logical_id}"


class ResourceCreator:
    """Creates the template's resources through the service APIs of a moto server."""

    def __init__(self, endpoint: str, region: str, parameters: dict[str, str]):
        self._endpoint = endpoint
        self._region = region
        self.resolver = Resolver(region, parameters)
        self._clients: dict[str, Any] = {}
        self._creators: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::SQS::Queue": self._queue,
            "AWS::SQS::QueuePolicy": self._queue_policy,
            "AWS::Events::EventBus": self._event_bus,
            "AWS::Events::Rule": self._rule,
            "AWS::Cognito::UserPool": self._user_pool,
            "AWS::Cognito::UserPoolClient": self._user_pool_client,
            "AWS::Cognito::UserPoolGroup": self._user_pool_group,
            "AWS::S3::Bucket": self._bucket,
            "AWS::S3::BucketPolicy": self._bucket_policy,
            "AWS::SES::ReceiptRuleSet": self._receipt_rule_set,
            "AWS::SES::ReceiptRule": self._receipt_rule,
            "AWS::SES::EmailIdentity": self._email_identity,
            "AWS::Lambda::Permission": self._lambda_permission,
        }

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=self._region, endpoint_url=self._endpoint)
        return self._clients[service]

    def create_all(self, template: dict[str, Any], external_refs: dict[str, str]) -> None:
        """Create every typed resource, in dependency order (references resolved as they appear)."""
        self.resolver.refs.update(external_refs)
        pending = {lid: r for lid, r in template["Resources"].items() if r.get("Type") in self._creators}
        unknown = {lid: r["Type"] for lid, r in template["Resources"].items()
                   if "Type" in r and r["Type"] not in self._creators}
        if unknown:
            raise RuntimeError(f"the local stack cannot create {unknown}; add a creator in local/resources.py")
        while pending:
            progressed = False
            for logical_id, resource in list(pending.items()):
                try:
                    properties = self.resolver.resolve(resource.get("Properties", {}))
                except Unresolved:
                    continue
                self._creators[resource["Type"]](logical_id, properties)
                del pending[logical_id]
                progressed = True
            if not progressed:
                raise RuntimeError(f"cannot resolve references of {sorted(pending)}")

    def environment(self, template: dict[str, Any]) -> dict[str, str]:
        """The Lambda functions' environment variables, resolved against what was created."""
        variables = template["Globals"]["Function"]["Environment"]["Variables"]
        return {name: str(self.resolver.resolve(value)) for name, value in variables.items()}

    # one creator per resource type ---------------------------------------------------------------
    def _table(self, logical_id: str, p: dict[str, Any]) -> None:
        db = self.client("dynamodb")
        name = p.get("TableName", _name(logical_id))
        params = {k: p[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes") if k in p}
        db.create_table(TableName=name, BillingMode=p.get("BillingMode", "PAY_PER_REQUEST"), **params)
        if p.get("TimeToLiveSpecification"):
            db.update_time_to_live(TableName=name, TimeToLiveSpecification=p["TimeToLiveSpecification"])
        self._record(logical_id, name, f"arn:aws:dynamodb:{self._region}:{ACCOUNT_ID}:table/{name}")

    def _queue(self, logical_id: str, p: dict[str, Any]) -> None:
        fifo = bool(p.get("FifoQueue"))
        name = p.get("QueueName", _name(logical_id) + (".fifo" if fifo else ""))
        attributes = {"FifoQueue": "true"} if fifo else {}
        for key in ("ContentBasedDeduplication", "VisibilityTimeout", "MessageRetentionPeriod",
                    "DelaySeconds", "ReceiveMessageWaitTimeSeconds"):
            if key in p:
                attributes[key] = str(p[key]).lower() if isinstance(p[key], bool) else str(p[key])
        if "RedrivePolicy" in p:
            attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        url = self.client("sqs").create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        self._record(logical_id, url, f"arn:aws:sqs:{self._region}:{ACCOUNT_ID}:{name}", QueueName=name)

    def _queue_policy(self, logical_id: str, p: dict[str, Any]) -> None:
        for url in p["Queues"]:
            self.client("sqs").set_queue_attributes(QueueUrl=url,
                                                    Attributes={"Policy": json.dumps(p["PolicyDocument"])})
        self.resolver.refs[logical_id] = logical_id

    def _event_bus(self, logical_id: str, p: dict[str, Any]) -> None:
        arn = self.client("events").create_event_bus(Name=p["Name"])["EventBusArn"]
        self._record(logical_id, p["Name"], arn, Name=p["Name"])

    def _rule(self, logical_id: str, p: dict[str, Any]) -> None:
        events = self.client("events")
        name = p.get("Name", _name(logical_id))
        kwargs = {"Name": name, "EventBusName": p.get("EventBusName", "default"), "State": p.get("State", "ENABLED")}
        if "EventPattern" in p:
            kwargs["EventPattern"] = json.dumps(p["EventPattern"])
        if "ScheduleExpression" in p:
            kwargs["ScheduleExpression"] = p["ScheduleExpression"]
        arn = events.put_rule(**kwargs)["RuleArn"]
        if p.get("Targets"):
            events.put_targets(Rule=name, EventBusName=kwargs["EventBusName"],
                               Targets=[{"Id": t["Id"], "Arn": t["Arn"]} for t in p["Targets"]])
        self._record(logical_id, name, arn)

    def _user_pool(self, logical_id: str, p: dict[str, Any]) -> None:
        kwargs = {k: p[k] for k in ("UsernameAttributes", "AutoVerifiedAttributes", "Policies",
                                    "AdminCreateUserConfig") if k in p}
        pool = self.client("cognito-idp").create_user_pool(PoolName=p.get("UserPoolName", _name(logical_id)),
                                                           **kwargs)["UserPool"]
        self._record(logical_id, pool["Id"], pool["Arn"], ProviderName=f"cognito-idp.{self._region}.amazonaws.com/{pool['Id']}")

    def _user_pool_client(self, logical_id: str, p: dict[str, Any]) -> None:
        kwargs = {k: p[k] for k in ("ExplicitAuthFlows", "GenerateSecret", "PreventUserExistenceErrors") if k in p}
        created = self.client("cognito-idp").create_user_pool_client(
            UserPoolId=p["UserPoolId"], ClientName=p.get("ClientName", _name(logical_id)), **kwargs)
        self.resolver.refs[logical_id] = created["UserPoolClient"]["ClientId"]

    def _user_pool_group(self, logical_id: str, p: dict[str, Any]) -> None:
        self.client("cognito-idp").create_group(UserPoolId=p["UserPoolId"], GroupName=p["GroupName"],
                                                Description=p.get("Description", ""))
        self.resolver.refs[logical_id] = p["GroupName"]

    def _bucket(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("BucketName", _name(logical_id).lower())
        self.client("s3").create_bucket(Bucket=name)
        self._record(logical_id, name, f"arn:aws:s3:::{name}")

    def _bucket_policy(self, logical_id: str, p: dict[str, Any]) -> None:
        self.client("s3").put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(p["PolicyDocument"]))
        self.resolver.refs[logical_id] = logical_id

    def _receipt_rule_set(self, logical_id: str, p: dict[str, Any]) -> None:
        name = p.get("RuleSetName", _name(logical_id))
        self.client("ses").create_receipt_rule_set(RuleSetName=name)
        self.resolver.refs[logical_id] = name

    def _receipt_rule(self, logical_id: str, p: dict[str, Any]) -> None:
        rule = {"Name": p["Rule"].get("Name", _name(logical_id)), **{k: v for k, v in p["Rule"].items() if k != "Name"}}
        # Lambda actions name functions Chalice deploys; moto has none (it would refuse the rule). Locally the
        # SMTP listener (local/smtp.py) plays SES's part: it stores the mail and calls the same handler.
        rule["Actions"] = [action for action in rule.get("Actions", []) if "LambdaAction" not in action]
        self.client("ses").create_receipt_rule(RuleSetName=p["RuleSetName"], Rule=rule)
        self.resolver.refs[logical_id] = rule["Name"]

    def _email_identity(self, logical_id: str, p: dict[str, Any]) -> None:
        identity = p["EmailIdentity"]
        if "@" in identity:
            self.client("ses").verify_email_identity(EmailAddress=identity)
        else:
            self.client("ses").verify_domain_identity(Domain=identity)  # moto verifies at once
        self.resolver.refs[logical_id] = identity

    def _lambda_permission(self, logical_id: str, p: dict[str, Any]) -> None:
        # Nothing to create: locally the gateway, pollers and SMTP listener call handlers directly, so no
        # service needs permission to invoke a function. Recorded so references to it resolve.
        self.resolver.refs[logical_id] = logical_id

    def _record(self, logical_id: str, ref: str, arn: str, **attributes: str) -> None:
        self.resolver.refs[logical_id] = ref
        self.resolver.attributes[(logical_id, "Arn")] = arn
        for key, val in attributes.items():
            self.resolver.attributes[(logical_id, key)] = val


def create_resources(endpoint: str, region: str, overrides: dict[str, str]) -> tuple[dict[str, str], ResourceCreator]:
    """Create everything in the template on the moto server at endpoint; returns (environment, creator)."""
    template = load_template(TEMPLATE)
    parameters = {**LOCAL_PARAMETERS}
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    for env_name, value in variables.items():  # an environment override of a parameter-backed variable
        if isinstance(value, dict) and value.get("Ref") in parameters and env_name in overrides:
            parameters[value["Ref"]] = overrides[env_name]
    creator = ResourceCreator(endpoint, region, parameters)
    for function in _chalice_functions(template):  # functions Chalice generates, named by the template
        creator.resolver.attributes[(function, "Arn")] = (
            f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:parley-local-{function}")
    creator.create_all(template, external_refs={"WebsocketAPI": "local"})
    return creator.environment(template), creator


def _chalice_functions(template: dict[str, Any]) -> set[str]:
    """Logical ids the template reads an Arn of (GetAtt or ${X.Arn}) but leaves to Chalice to declare."""
    declared = {lid for lid, resource in template["Resources"].items() if "Type" in resource}
    text = json.dumps(template["Resources"])
    named = set(re.findall(r'"Fn::GetAtt": \["([A-Za-z0-9]+)", "Arn"\]', text))
    named |= set(re.findall(r"\$\{([A-Za-z0-9]+)\.Arn\}", text))
    return named - declared
