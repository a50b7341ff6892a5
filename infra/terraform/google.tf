# Google Cloud provider for the Pub/Sub queues (pubsub.tf). The AWS side (DynamoDB) lives in
# aws.tf / dynamodb.tf. The google provider is not mirrored on the build machines: this folder is
# checked there with `terraform fmt -check` only.

terraform {
  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 5.0, < 7.0"
    }
  }
}

variable "gcp_project_id" {
  description = "Google Cloud project that holds the Pub/Sub topics and subscriptions."
  type        = string
}

variable "gcp_region" {
  description = "Default region for Google resources."
  type        = string
  default     = "europe-west1"
}

provider "google" {
  project = var.gcp_project_id
  region  = var.gcp_region
}

data "google_project" "this" {
  project_id = var.gcp_project_id
}
