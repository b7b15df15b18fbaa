"""Parley's Lambda entry points: a table of contents, one line per route or handler into chalicelib."""
from chalice import Chalice, Rate

from chalicelib.api import (agents, attachments, auth, channels, customers, live_chat, local_outbox, monitor, rules,
                            sdk, ticket_fields, tickets, views, webhooks, zendesk, zendesk_rules)
from chalicelib.api.http import link_base, normalize_errors
from chalicelib.realtime import handlers as ws

app = Chalice(app_name="parley", configure_logs=False)
app.experimental_feature_flags.update(["WEBSOCKETS"])
app.register_middleware(normalize_errors, "http")
app.register_middleware(link_base, "http")


# Agent auth -------------------------------------------------------------------------------------
@app.route("/api/auth/login", methods=["POST"])
def login():
    return auth.login(app.current_request)


@app.route("/api/agents/me", methods=["GET"])
def agents_me():
    return auth.me(app.current_request)


# Agents and departments ----------------------------------------------------------------------
@app.route("/api/agents", methods=["GET"])
def list_agents():
    return agents.list_agents(app.current_request)


@app.route("/api/agents/me/presence", methods=["PUT"])
def agent_presence():
    return agents.set_presence(app.current_request)


@app.route("/api/agents/{agent_id}", methods=["PATCH"])
def agent(agent_id):
    return agents.update_agent(app.current_request, agent_id=agent_id)


@app.route("/api/departments", methods=["GET", "POST"])
def departments():
    if app.current_request.method == "POST":
        return agents.put_department(app.current_request)
    return agents.list_departments(app.current_request)


# Agent API: tickets ---------------------------------------------------------------------------
@app.route("/api/tickets", methods=["GET"])
def list_tickets():
    return tickets.list_tickets(app.current_request)


@app.route("/api/tickets/{ticket_id}", methods=["GET", "PATCH"])
def ticket(ticket_id):
    if app.current_request.method == "PATCH":
        return tickets.update_ticket(app.current_request, ticket_id=ticket_id)
    return tickets.show_ticket(app.current_request, ticket_id=ticket_id)


@app.route("/api/tickets/{ticket_id}/messages", methods=["POST"])
def ticket_messages(ticket_id):
    return tickets.add_message(app.current_request, ticket_id=ticket_id)


# Custom ticket fields --------------------------------------------------------------------------------
@app.route("/api/ticket-fields", methods=["GET", "POST"])
def ticket_field_definitions():
    if app.current_request.method == "POST":
        return ticket_fields.create_field(app.current_request)
    return ticket_fields.list_fields(app.current_request)


@app.route("/api/ticket-fields/{field_name}", methods=["DELETE"])
def ticket_field_definition(field_name):
    return ticket_fields.delete_field(app.current_request, field_name=field_name)


# Views: saved filters with counts --------------------------------------------------------------
@app.route("/api/views", methods=["GET", "POST"])
def ticket_views():
    if app.current_request.method == "POST":
        return views.create_view(app.current_request)
    return views.list_views(app.current_request)


@app.route("/api/views/{view_id}/tickets", methods=["GET"])
def view_tickets(view_id):
    return views.view_tickets(app.current_request, view_id=view_id)


# Live monitor --------------------------------------------------------------------------------------
@app.route("/api/monitor", methods=["GET"])
def live_monitor():
    return monitor.monitor(app.current_request)


# Outbound webhooks for integrations -------------------------------------------------------------
@app.route("/api/webhooks", methods=["GET", "POST"])
def webhook_subscriptions():
    if app.current_request.method == "POST":
        return webhooks.create_webhook(app.current_request)
    return webhooks.list_webhooks(app.current_request)


@app.route("/api/webhooks/{webhook_id}", methods=["DELETE"])
def webhook_subscription(webhook_id):
    return webhooks.delete_webhook(app.current_request, webhook_id=webhook_id)


# Customers: history across channels, merge, export, erasure ---------------------------------
@app.route("/api/customers", methods=["GET"])
def find_customer():
    return customers.find_customer(app.current_request)


@app.route("/api/customers/{customer_id}", methods=["GET", "DELETE"])
def customer(customer_id):
    if app.current_request.method == "DELETE":
        return customers.erase_customer(app.current_request, customer_id=customer_id)
    return customers.show_customer(app.current_request, customer_id=customer_id)


@app.route("/api/customers/{customer_id}/merge", methods=["POST"])
def merge_customer(customer_id):
    return customers.merge_customer(app.current_request, customer_id=customer_id)


@app.route("/api/customers/{customer_id}/export", methods=["GET"])
def export_customer(customer_id):
    return customers.export_customer(app.current_request, customer_id=customer_id)


# Customer API for the widget and SDKs ---------------------------------------------------------
@app.route("/api/sdk/sessions", methods=["POST", "OPTIONS"])
def sdk_sessions():
    return sdk.create_session(app.current_request)


@app.route("/api/sdk/conversations", methods=["GET", "POST", "OPTIONS"])
def sdk_conversations():
    if app.current_request.method == "GET":
        return sdk.list_conversations(app.current_request)
    return sdk.create_conversation(app.current_request)


@app.route("/api/sdk/conversations/{conversation_id}/messages", methods=["GET", "POST", "OPTIONS"])
def sdk_messages(conversation_id):
    if app.current_request.method == "GET":
        return sdk.list_messages(app.current_request, conversation_id=conversation_id)
    return sdk.post_message(app.current_request, conversation_id=conversation_id)


@app.route("/api/sdk/conversations/{conversation_id}/attachments", methods=["POST", "OPTIONS"])
def sdk_uploads(conversation_id):
    return sdk.upload(app.current_request, conversation_id=conversation_id)


# Channel webhooks (signature checked, queued, answered at once) --------------------------------
@app.route("/api/channels/whatsapp", methods=["GET", "POST"])
def whatsapp_webhook():
    return channels.whatsapp_webhook(app.current_request)


@app.route("/api/channels/messenger", methods=["GET", "POST"])
def messenger_webhook():
    return channels.messenger_webhook(app.current_request)


@app.route("/api/channels/instagram", methods=["GET", "POST"])
def instagram_webhook():
    return channels.instagram_webhook(app.current_request)


@app.route("/api/channels/telegram", methods=["POST"])
def telegram_webhook():
    return channels.telegram_webhook(app.current_request)


@app.route("/api/channels/twilio/sms", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def twilio_sms_webhook():
    return channels.twilio_webhook(app.current_request)


@app.route("/api/channels/twilio/voice", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def twilio_voice_webhook():
    return channels.twilio_webhook(app.current_request)


@app.route("/api/calls", methods=["POST"])
def log_call():
    return channels.log_call(app.current_request)


@app.lambda_function(name="inbound_email")
def inbound_email(event, context):
    from chalicelib.services.email_inbound import handle_ses_event
    return handle_ses_event(event, context)


# Files on tickets: agents' uploads, downloads, links sent to customers -----------------------
@app.route("/api/tickets/{ticket_id}/attachments", methods=["POST"])
def ticket_uploads(ticket_id):
    return attachments.upload(app.current_request, ticket_id=ticket_id)


@app.route("/api/tickets/{ticket_id}/attachments/{folder}/{filename}", methods=["GET"])
def ticket_attachment(ticket_id, folder, filename):
    return attachments.download(app.current_request, ticket_id=ticket_id, folder=folder, filename=filename)


@app.route("/api/files/{folder}/{filename}", methods=["GET", "HEAD"])
def shared_file(folder, filename):
    return attachments.shared_file(app.current_request, folder=folder, filename=filename)


# Local stack only ----------------------------------------------------------------------------
@app.route("/api/_local/outbox", methods=["GET"])
def local_outbox_items():
    return local_outbox.list_outbox(app.current_request)


# Live chat: rating, availability, offline form, proactive chat -----------------------------------
@app.route("/api/sdk/conversations/{conversation_id}/rating", methods=["POST", "OPTIONS"])
def sdk_rating(conversation_id):
    return live_chat.rate_conversation(app.current_request, conversation_id=conversation_id)


@app.route("/api/sdk/availability", methods=["GET", "OPTIONS"])
def sdk_availability():
    return live_chat.availability(app.current_request)


@app.route("/api/sdk/offline-messages", methods=["POST", "OPTIONS"])
def sdk_offline_messages():
    return live_chat.offline_message(app.current_request)


@app.route("/api/sdk/page-views", methods=["POST", "OPTIONS"])
def sdk_page_views():
    return live_chat.page_view(app.current_request)


@app.route("/api/proactive-rules", methods=["GET", "POST"])
def proactive_rules():
    if app.current_request.method == "POST":
        return live_chat.save_proactive_rule(app.current_request)
    return live_chat.list_proactive_rules(app.current_request)


# Zendesk-compatible API (/api/v2/...) --------------------------------------------------------
@app.route("/api/v2/tickets.json", methods=["GET", "POST"])
def zendesk_tickets():
    if app.current_request.method == "POST":
        return zendesk.tickets.create_ticket(app.current_request)
    return zendesk.tickets.list_tickets(app.current_request)


@app.route("/api/v2/tickets/show_many.json", methods=["GET"])
def zendesk_tickets_show_many():
    return zendesk.tickets.show_many(app.current_request)


@app.route("/api/v2/tickets/{ticket_id}", methods=["GET", "PUT", "DELETE"])
def zendesk_ticket(ticket_id):
    if app.current_request.method == "PUT":
        return zendesk.tickets.update_ticket(app.current_request, ticket_id=ticket_id)
    if app.current_request.method == "DELETE":
        return zendesk.tickets.delete_ticket(app.current_request, ticket_id=ticket_id)
    return zendesk.tickets.show_ticket(app.current_request, ticket_id=ticket_id)


@app.route("/api/v2/tickets/{ticket_id}/comments.json", methods=["GET"])
def zendesk_ticket_comments(ticket_id):
    return zendesk.tickets.list_comments(app.current_request, ticket_id=ticket_id)


@app.route("/api/v2/users.json", methods=["GET", "POST"])
def zendesk_users():
    if app.current_request.method == "POST":
        return zendesk.users.create_user(app.current_request)
    return zendesk.users.list_users(app.current_request)


@app.route("/api/v2/users/show_many.json", methods=["GET"])
def zendesk_users_show_many():
    return zendesk.users.show_many_users(app.current_request)


@app.route("/api/v2/users/me.json", methods=["GET"])
def zendesk_users_me():
    return zendesk.users.me(app.current_request)


@app.route("/api/v2/users/search.json", methods=["GET"])
def zendesk_users_search():
    return zendesk.users.search_users(app.current_request)


@app.route("/api/v2/users/{user_id}", methods=["GET", "PUT", "DELETE"])
def zendesk_user(user_id):
    if app.current_request.method == "PUT":
        return zendesk.users.update_user(app.current_request, user_id=user_id)
    if app.current_request.method == "DELETE":
        return zendesk.users.delete_user(app.current_request, user_id=user_id)
    return zendesk.users.show_user(app.current_request, user_id=user_id)


@app.route("/api/v2/groups.json", methods=["GET", "POST"])
def zendesk_groups():
    if app.current_request.method == "POST":
        return zendesk.groups.create_group(app.current_request)
    return zendesk.groups.list_groups(app.current_request)


@app.route("/api/v2/groups/{group_id}", methods=["GET", "PUT", "DELETE"])
def zendesk_group(group_id):
    if app.current_request.method == "PUT":
        return zendesk.groups.update_group(app.current_request, group_id=group_id)
    if app.current_request.method == "DELETE":
        return zendesk.groups.delete_group(app.current_request, group_id=group_id)
    return zendesk.groups.show_group(app.current_request, group_id=group_id)


@app.route("/api/v2/organizations.json", methods=["GET", "POST"])
def zendesk_organizations():
    if app.current_request.method == "POST":
        return zendesk.organizations.create_organization(app.current_request)
    return zendesk.organizations.list_organizations(app.current_request)


@app.route("/api/v2/organizations/{organization_id}", methods=["GET"])
def zendesk_organization(organization_id):
    return zendesk.organizations.show_organization(app.current_request, organization_id=organization_id)


@app.route("/api/v2/search.json", methods=["GET"])
def zendesk_search():
    return zendesk.search.search(app.current_request)


@app.route("/api/v2/api_tokens.json", methods=["GET", "POST"])
def zendesk_api_tokens():
    if app.current_request.method == "POST":
        return zendesk.api_tokens.create_token(app.current_request)
    return zendesk.api_tokens.list_tokens(app.current_request)


@app.route("/api/v2/api_tokens/{token_id}", methods=["DELETE"])
def zendesk_api_token(token_id):
    return zendesk.api_tokens.delete_token(app.current_request, token_id=token_id)


# Business rules: triggers, automations, macros, SLA policies, business hours, shortcuts -----------
@app.route("/api/triggers", methods=["GET", "POST"])
def triggers():
    return rules.rules_collection(app.current_request, kind="trigger")


@app.route("/api/triggers/test", methods=["POST"])
def triggers_test():
    return rules.test_rule(app.current_request, kind="trigger")


@app.route("/api/triggers/reorder", methods=["POST"])
def triggers_reorder():
    return rules.reorder_rules(app.current_request, kind="trigger")


@app.route("/api/triggers/{rule_id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def trigger(rule_id):
    return rules.rule_item(app.current_request, kind="trigger", rule_id=rule_id)


@app.route("/api/automations", methods=["GET", "POST"])
def automations():
    return rules.rules_collection(app.current_request, kind="automation")


@app.route("/api/automations/test", methods=["POST"])
def automations_test():
    return rules.test_rule(app.current_request, kind="automation")


@app.route("/api/automations/reorder", methods=["POST"])
def automations_reorder():
    return rules.reorder_rules(app.current_request, kind="automation")


@app.route("/api/automations/{rule_id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def automation(rule_id):
    return rules.rule_item(app.current_request, kind="automation", rule_id=rule_id)


@app.route("/api/macros", methods=["GET", "POST"])
def macros():
    return rules.rules_collection(app.current_request, kind="macro")


@app.route("/api/macros/reorder", methods=["POST"])
def macros_reorder():
    return rules.reorder_rules(app.current_request, kind="macro")


@app.route("/api/macros/{rule_id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def macro(rule_id):
    return rules.rule_item(app.current_request, kind="macro", rule_id=rule_id)


@app.route("/api/tickets/{ticket_id}/macros/{macro_id}/apply", methods=["GET", "POST"])
def ticket_macro(ticket_id, macro_id):
    return rules.macro_on_ticket(app.current_request, ticket_id=ticket_id, macro_id=macro_id)


@app.route("/api/sla-policies", methods=["GET", "POST"])
def sla_policies():
    return rules.rules_collection(app.current_request, kind="sla_policy")


@app.route("/api/sla-policies/reorder", methods=["POST"])
def sla_policies_reorder():
    return rules.reorder_rules(app.current_request, kind="sla_policy")


@app.route("/api/sla-policies/{rule_id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def sla_policy(rule_id):
    return rules.rule_item(app.current_request, kind="sla_policy", rule_id=rule_id)


@app.route("/api/schedules", methods=["GET", "POST"])
def schedules():
    return rules.rules_collection(app.current_request, kind="schedule")


@app.route("/api/schedules/{rule_id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def schedule(rule_id):
    return rules.rule_item(app.current_request, kind="schedule", rule_id=rule_id)


@app.route("/api/assignment-rules", methods=["GET", "POST"])
def assignment_rules():
    return rules.rules_collection(app.current_request, kind="assignment_rule")


@app.route("/api/assignment-rules/reorder", methods=["POST"])
def assignment_rules_reorder():
    return rules.reorder_rules(app.current_request, kind="assignment_rule")


@app.route("/api/assignment-rules/{rule_id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def assignment_rule(rule_id):
    return rules.rule_item(app.current_request, kind="assignment_rule", rule_id=rule_id)


@app.route("/api/shortcuts", methods=["GET", "POST"])
def shortcuts():
    return rules.rules_collection(app.current_request, kind="shortcut")


@app.route("/api/shortcuts/{rule_id}", methods=["GET", "PUT", "PATCH", "DELETE"])
def shortcut(rule_id):
    return rules.rule_item(app.current_request, kind="shortcut", rule_id=rule_id)


@app.route("/api/tickets/{ticket_id}/shortcuts/{name}", methods=["GET"])
def ticket_shortcut(ticket_id, name):
    return rules.shortcut_on_ticket(app.current_request, ticket_id=ticket_id, name=name)


@app.route("/api/settings/conversation-styles", methods=["GET", "PUT"])
def conversation_styles():
    return rules.conversation_styles(app.current_request)


# Zendesk-compatible rules API -------------------------------------------------------------------
@app.route("/api/v2/triggers", methods=["GET", "POST"])
def zendesk_triggers():
    return zendesk_rules.collection(app.current_request, kind="trigger")


@app.route("/api/v2/triggers.json", methods=["GET", "POST"])
def zendesk_triggers_json():
    return zendesk_rules.collection(app.current_request, kind="trigger")


@app.route("/api/v2/triggers/{rule_id}", methods=["GET", "PUT", "DELETE"])
def zendesk_trigger(rule_id):
    return zendesk_rules.item(app.current_request, kind="trigger", rule_id=rule_id)


@app.route("/api/v2/automations", methods=["GET", "POST"])
def zendesk_automations():
    return zendesk_rules.collection(app.current_request, kind="automation")


@app.route("/api/v2/automations.json", methods=["GET", "POST"])
def zendesk_automations_json():
    return zendesk_rules.collection(app.current_request, kind="automation")


@app.route("/api/v2/automations/{rule_id}", methods=["GET", "PUT", "DELETE"])
def zendesk_automation(rule_id):
    return zendesk_rules.item(app.current_request, kind="automation", rule_id=rule_id)


@app.route("/api/v2/macros", methods=["GET", "POST"])
def zendesk_macros():
    return zendesk_rules.collection(app.current_request, kind="macro")


@app.route("/api/v2/macros.json", methods=["GET", "POST"])
def zendesk_macros_json():
    return zendesk_rules.collection(app.current_request, kind="macro")


@app.route("/api/v2/macros/{rule_id}", methods=["GET", "PUT", "DELETE"])
def zendesk_macro(rule_id):
    return zendesk_rules.item(app.current_request, kind="macro", rule_id=rule_id)


@app.route("/api/v2/tickets/{ticket_id}/macros/{macro_id}/apply", methods=["GET"])
def zendesk_ticket_macro(ticket_id, macro_id):
    return zendesk_rules.macro_apply(app.current_request, ticket_id=ticket_id, macro_id=macro_id)


@app.route("/api/v2/tickets/{ticket_id}/macros/{macro_id}/apply.json", methods=["GET"])
def zendesk_ticket_macro_json(ticket_id, macro_id):
    return zendesk_rules.macro_apply(app.current_request, ticket_id=ticket_id, macro_id=macro_id)


# WebSockets ----------------------------------------------------------------------------------
@app.on_ws_connect()
def ws_connect(event):
    return ws.on_connect(event)


@app.on_ws_message()
def ws_message(event):
    return ws.on_message(event)


@app.on_ws_disconnect()
def ws_disconnect(event):
    return ws.on_disconnect(event)


# Queues and the clock -----------------------------------------------------------------------
@app.on_sqs_message(queue="parley-inbound.fifo", batch_size=1)
def inbound_consumer(event):
    from chalicelib.consumers import inbound_batch
    return inbound_batch(event.to_dict(), event.context)


@app.on_sqs_message(queue="parley-outbound", batch_size=10)
def event_consumer(event):
    from chalicelib.consumers import events_batch
    return events_batch(event.to_dict(), event.context)


@app.on_sqs_message(queue="parley-delivery", batch_size=10)
def delivery_consumer(event):
    from chalicelib.services.outbound_delivery import delivery_batch
    return delivery_batch(event.to_dict(), event.context)


@app.on_sqs_message(queue="parley-webhooks", batch_size=10)
def webhook_consumer(event):
    from chalicelib.consumers import webhooks_batch
    return webhooks_batch(event.to_dict(), event.context)


@app.schedule(Rate(1, unit=Rate.MINUTES))
def clock(event):
    from chalicelib.services.clock_tick import tick
    return tick()
