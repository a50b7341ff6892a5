# The AWS provider for Switchyard's AWS resources (the DynamoDB state table). Credentials and the
# account come from the usual AWS environment (AWS_PROFILE, AWS_ACCESS_KEY_ID, an assumed role).
terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

provider "aws" {
  region = var.aws_region

  default_tags {
    tags = {
      app = "switchyard"
    }
  }
}

variable "aws_region" {
  description = "AWS region of the DynamoDB state table."
  type        = string
  default     = "us-east-1"
}
