"""Parley's Lambda entry points: a table of contents, one line per route or handler into chalicelib."""
from chalice import Chalice, Rate

from chalicelib.api import agents, auth, channels, customers, sdk, tickets, views
from chalicelib.api.http import normalize_errors
from chalicelib.realtime import handlers as ws

app = Chalice(app_name="parley", configure_logs=False)
app.experimental_feature_flags.update(["WEBSOCKETS"])
app.register_middleware(normalize_errors, "http")


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


# Views: saved filters with counts --------------------------------------------------------------
@app.route("/api/views", methods=["GET", "POST"])
def ticket_views():
    if app.current_request.method == "POST":
        return views.create_view(app.current_request)
    return views.list_views(app.current_request)


@app.route("/api/views/{view_id}/tickets", methods=["GET"])
def view_tickets(view_id):
    return views.view_tickets(app.current_request, view_id=view_id)


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


@app.route("/api/tickets/{ticket_id}/attachments/{folder}/{filename}", methods=["GET"])
def ticket_attachment(ticket_id, folder, filename):
    from chalicelib.api import attachments
    return attachments.download(app.current_request, ticket_id=ticket_id, folder=folder, filename=filename)


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
@app.on_sqs_message(queue="parley-inbound.fifo", batch_size=10)
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


@app.schedule(Rate(1, unit=Rate.MINUTES))
def clock(event):
    from chalicelib.services.clock_tick import tick
    return tick()
