# Pub/Sub queues, one per cloud (or per cluster): for each queue name q, with prefix P and
# consumer C (the names shared/queue/pubsub-common.ts derives):
#   topic P-q, subscription P-q-C (dead-letter policy, ack deadline),
#   dead-letter topic P-q-dead and its subscription P-q-dead-sub (read by deadLetters()).
# IAM: the edge publishes; each queue's drainer pulls its subscription and reads its dead
# letters; Pub/Sub's service agent forwards dead letters. See docs/pubsub-queues.md.

variable "pubsub_prefix" {
  description = "Start of every topic and subscription name (the drivers' `prefix` option)."
  type        = string
  default     = "switchyard"
}

variable "pubsub_consumer" {
  description = "Consumer name in subscription names (the drivers' `consumer` option)."
  type        = string
  default     = "drainer"
}

variable "pubsub_queues" {
  description = "Queue names: one per cloud by default; list cluster ids for one queue per cluster."
  type        = list(string)
  default     = ["aws", "gcp", "onprem"]

  validation {
    condition = alltrue([
      for q in var.pubsub_queues : can(regex("^[A-Za-z0-9._~+%-]+$", q)) && !endswith(q, "-dead")
    ])
    error_message = "Queue names use letters, digits and - _ . ~ + % only, and must not end in -dead."
  }
}

variable "pubsub_max_delivery_attempts" {
  description = "Deliveries before a message is dead-lettered (Pub/Sub allows 5..100)."
  type        = number
  default     = 5

  validation {
    condition     = var.pubsub_max_delivery_attempts >= 5 && var.pubsub_max_delivery_attempts <= 100
    error_message = "Pub/Sub accepts 5 to 100 delivery attempts."
  }
}

variable "pubsub_ack_deadline_seconds" {
  description = "Subscription ack deadline; the drivers set each pull's deadline themselves."
  type        = number
  default     = 60

  validation {
    condition     = var.pubsub_ack_deadline_seconds >= 10 && var.pubsub_ack_deadline_seconds <= 600
    error_message = "Pub/Sub accepts ack deadlines of 10 to 600 seconds."
  }
}

locals {
  pubsub_queues        = toset(var.pubsub_queues)
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

# --- topics and subscriptions ------------------------------------------------------------------

resource "google_pubsub_topic" "dead" {
  for_each = local.pubsub_queues
  name     = "${var.pubsub_prefix}-${each.key}-dead"
  labels   = { app = "switchyard", queue = each.key, role = "dead-letter" }
}

# Dead letters are only kept if a subscription exists when they are forwarded.
resource "google_pubsub_subscription" "dead" {
  for_each                   = local.pubsub_queues
  name                       = "${var.pubsub_prefix}-${each.key}-dead-sub"
  topic                      = google_pubsub_topic.dead[each.key].id
  ack_deadline_seconds       = var.pubsub_ack_deadline_seconds
  message_retention_duration = "604800s"
  labels                     = { app = "switchyard", queue = each.key, role = "dead-letter" }

  expiration_policy {
    ttl = ""
  }
}

resource "google_pubsub_topic" "queue" {
  for_each = local.pubsub_queues
  name     = "${var.pubsub_prefix}-${each.key}"
  labels   = { app = "switchyard", queue = each.key }
}

resource "google_pubsub_subscription" "queue" {
  for_each                   = local.pubsub_queues
  name                       = "${var.pubsub_prefix}-${each.key}-${var.pubsub_consumer}"
  topic                      = google_pubsub_topic.queue[each.key].id
  ack_deadline_seconds       = var.pubsub_ack_deadline_seconds
  message_retention_duration = "604800s"
  labels                     = { app = "switchyard", queue = each.key }

  # No retry_policy: a nack (modifyAckDeadline 0) must redeliver at once, as the port says.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead[each.key].id
    max_delivery_attempts = var.pubsub_max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_pubsub_subscription.dead]
}

# --- service accounts --------------------------------------------------------------------------

resource "google_service_account" "edge" {
  account_id   = "${var.pubsub_prefix}-edge"
  display_name = "Switchyard edge API (publishes jobs)"
}

resource "google_service_account" "drainer" {
  for_each     = local.pubsub_queues
  account_id   = substr("${var.pubsub_prefix}-drainer-${each.key}", 0, 30)
  display_name = "Switchyard drainer for queue ${each.key}"
}

# --- IAM ---------------------------------------------------------------------------------------

resource "google_pubsub_topic_iam_member" "edge_publishes" {
  for_each = local.pubsub_queues
  topic    = google_pubsub_topic.queue[each.key].name
  role     = "roles/pubsub.publisher"
  member   = "serviceAccount:${google_service_account.edge.email}"
}

resource "google_pubsub_subscription_iam_member" "drainer_pulls" {
  for_each     = local.pubsub_queues
  subscription = google_pubsub_subscription.queue[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.drainer[each.key].email}"
}

resource "google_pubsub_subscription_iam_member" "drainer_reads_dead_letters" {
  for_each     = local.pubsub_queues
  subscription = google_pubsub_subscription.dead[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.drainer[each.key].email}"
}

# Pub/Sub's service agent forwards undeliverable messages: it must publish to the dead-letter
# topic and subscribe to (acknowledge on) the source subscription.
resource "google_pubsub_topic_iam_member" "agent_publishes_dead_letters" {
  for_each = local.pubsub_queues
  topic    = google_pubsub_topic.dead[each.key].name
  role     = "roles/pubsub.publisher"
  member   = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "agent_acks_source" {
  for_each     = local.pubsub_queues
  subscription = google_pubsub_subscription.queue[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

output "pubsub_topics" {
  description = "Queue name to topic id."
  value       = { for q, t in google_pubsub_topic.queue : q => t.id }
}

output "pubsub_subscriptions" {
  description = "Queue name to the drainer subscription id."
  value       = { for q, s in google_pubsub_subscription.queue : q => s.id }
}

output "drainer_service_accounts" {
  description = "Queue name to the drainer service-account email."
  value       = { for q, a in google_service_account.drainer : q => a.email }
}
