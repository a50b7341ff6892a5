# Drainers as functions (README "Drainers as functions", issue #15): for each queue served by a
# drainer function, a push subscription on the queue's topic pointed at the function's /push, and
# a Cloud Scheduler job that POSTs its /reconcile. Both carry a Google-signed OIDC token for one
# service account, with the function's URL as audience: set the function's
# DRAINER_FN_PUSH_SERVICE_ACCOUNT to output drainer_fn_invoker and DRAINER_FN_AUDIENCE to the URL.
# The function itself (Cloud Run or Lambda) is deployed outside this folder; grant the invoker
# roles/run.invoker on a Cloud Run service that does not allow unauthenticated calls.
# The pull subscription in pubsub.tf still receives every message; leave it unread (its messages
# expire) or remove it when no pull drainer remains.

variable "drainer_fn_urls" {
  description = "Queue name to its drainer function's base URL (no trailing slash), e.g. { aws = \"https://drainer-aws-abc.a.run.app\" }. Empty: no push subscriptions."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for q, u in var.drainer_fn_urls : can(regex("^https://[^/]+(/.*[^/])?$", u))])
    error_message = "Each drainer function URL must be https:// and must not end in /."
  }
}

variable "drainer_fn_ack_deadline_seconds" {
  description = "Push ack deadline; keep the function's DRAINER_FN_BUDGET_MS well inside it."
  type        = number
  default     = 30

  validation {
    condition     = var.drainer_fn_ack_deadline_seconds >= 10 && var.drainer_fn_ack_deadline_seconds <= 600
    error_message = "Pub/Sub accepts ack deadlines of 10 to 600 seconds."
  }
}

variable "drainer_fn_retry_backoff" {
  description = "Backoff between redeliveries of a push answered non-2xx (without one, Pub/Sub retries at once)."
  type        = object({ minimum = string, maximum = string })
  default     = { minimum = "1s", maximum = "60s" }
}

variable "drainer_fn_reconcile_schedule" {
  description = "Cron schedule of POST /reconcile (Cloud Scheduler runs at most once a minute; keep scheduling.heartbeatTimeoutSeconds above twice the period)."
  type        = string
  default     = "* * * * *"
}

variable "drainer_fn_reconcile_deadline_seconds" {
  description = "Cloud Scheduler attempt deadline; above the function's DRAINER_FN_RECONCILE_BUDGET_MS."
  type        = number
  default     = 90
}

locals {
  # Every key must be one of var.pubsub_queues (its topic is indexed below).
  drainer_fn_queues     = var.drainer_fn_urls
  cloud_scheduler_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-cloudscheduler.iam.gserviceaccount.com"
}

# The identity in every push's and every scheduled reconcile's OIDC token.
resource "google_service_account" "drainer_fn_invoker" {
  account_id   = substr("${var.pubsub_prefix}-push-invoker", 0, 30)
  display_name = "Switchyard: signs pushes and reconciles sent to the drainer functions"
}

# Pub/Sub's and Cloud Scheduler's service agents mint the OIDC tokens for that account.
resource "google_service_account_iam_member" "pubsub_agent_mints_tokens" {
  service_account_id = google_service_account.drainer_fn_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

resource "google_service_account_iam_member" "scheduler_agent_mints_tokens" {
  service_account_id = google_service_account.drainer_fn_invoker.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.cloud_scheduler_agent
}

resource "google_pubsub_subscription" "push" {
  for_each                   = local.drainer_fn_queues
  name                       = "${var.pubsub_prefix}-${each.key}-push"
  topic                      = google_pubsub_topic.queue[each.key].id
  ack_deadline_seconds       = var.drainer_fn_ack_deadline_seconds
  message_retention_duration = "604800s"
  labels                     = { app = "switchyard", queue = each.key, role = "push" }

  push_config {
    push_endpoint = "${each.value}/push"

    oidc_token {
      service_account_email = google_service_account.drainer_fn_invoker.email
      audience              = each.value
    }
  }

  # 503 (retryable, or out of budget) is redelivered with backoff, not every second.
  retry_policy {
    minimum_backoff = var.drainer_fn_retry_backoff.minimum
    maximum_backoff = var.drainer_fn_retry_backoff.maximum
  }

  # Pushes carry no attempt count: this policy is what ends a message that keeps failing.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.dead[each.key].id
    max_delivery_attempts = var.pubsub_max_delivery_attempts
  }

  expiration_policy {
    ttl = ""
  }

  depends_on = [google_pubsub_subscription.dead]
}

# The dead letters are pushed to the same function: a message carrying Pub/Sub's
# CloudPubSubDeadLetterSourceDeliveryCount attribute is not created again but reported
# create-failed (reason DeadLettered), so the control plane re-places the job (README "Drainers as
# functions"). Not itself dead-lettered: a failing report answers 503 and is retried with backoff.
resource "google_pubsub_subscription" "dead_push" {
  for_each                   = local.drainer_fn_queues
  name                       = "${var.pubsub_prefix}-${each.key}-dead-push"
  topic                      = google_pubsub_topic.dead[each.key].id
  ack_deadline_seconds       = var.drainer_fn_ack_deadline_seconds
  message_retention_duration = "604800s"
  labels                     = { app = "switchyard", queue = each.key, role = "dead-push" }

  push_config {
    push_endpoint = "${each.value}/push"

    oidc_token {
      service_account_email = google_service_account.drainer_fn_invoker.email
      audience              = each.value
    }
  }

  retry_policy {
    minimum_backoff = var.drainer_fn_retry_backoff.minimum
    maximum_backoff = var.drainer_fn_retry_backoff.maximum
  }

  expiration_policy {
    ttl = ""
  }
}

# Dead-letter forwarding from the push subscription (the topic side is granted in pubsub.tf).
resource "google_pubsub_subscription_iam_member" "agent_acks_push" {
  for_each     = local.drainer_fn_queues
  subscription = google_pubsub_subscription.push[each.key].name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

resource "google_cloud_scheduler_job" "reconcile" {
  for_each         = local.drainer_fn_queues
  name             = "${var.pubsub_prefix}-${each.key}-reconcile"
  description      = "Status and capacity for queue ${each.key}: POST /reconcile on its drainer function."
  schedule         = var.drainer_fn_reconcile_schedule
  time_zone        = "Etc/UTC"
  attempt_deadline = "${var.drainer_fn_reconcile_deadline_seconds}s"

  # A missed run is covered by the next one; retrying would only pile runs up.
  retry_config {
    retry_count = 0
  }

  http_target {
    http_method = "POST"
    uri         = "${each.value}/reconcile"
    headers     = { "Content-Type" = "application/json" }
    body        = base64encode("{}")

    oidc_token {
      service_account_email = google_service_account.drainer_fn_invoker.email
      audience              = each.value
    }
  }
}

output "drainer_fn_invoker" {
  description = "Set DRAINER_FN_PUSH_SERVICE_ACCOUNT of every drainer function to this email."
  value       = google_service_account.drainer_fn_invoker.email
}

output "drainer_fn_push_subscriptions" {
  description = "Queue name to its push subscription id."
  value       = { for q, s in google_pubsub_subscription.push : q => s.id }
}
