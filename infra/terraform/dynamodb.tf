# The Switchyard state table: one DynamoDB table, single-table design (docs/dynamodb-single-table.md).
# Keys, indexes and the TTL attribute must match TABLE_SPEC in shared/store/dynamodb/table-spec.ts;
# test/unit/dynamodb-table-spec.test.ts fails when the two drift apart.

variable "dynamodb_table_name" {
  description = "Name of the state table; the edge functions read it from SWITCHYARD_DYNAMODB_TABLE."
  type        = string
  default     = "switchyard"
}

resource "aws_dynamodb_table" "state" {
  name         = var.dynamodb_table_name
  billing_mode = "PAY_PER_REQUEST"
  hash_key     = "pk"
  range_key    = "sk"

  attribute {
    name = "pk"
    type = "S"
  }
  attribute {
    name = "sk"
    type = "S"
  }
  attribute {
    name = "gsi1pk"
    type = "S"
  }
  attribute {
    name = "gsi1sk"
    type = "S"
  }
  attribute {
    name = "gsi2pk"
    type = "S"
  }
  attribute {
    name = "gsi2sk"
    type = "S"
  }
  attribute {
    name = "gsi3pk"
    type = "S"
  }
  attribute {
    name = "gsi3sk"
    type = "S"
  }
  attribute {
    name = "gsi4pk"
    type = "S"
  }
  attribute {
    name = "gsi4sk"
    type = "S"
  }

  # Children of a parent in listing order: a tenant's jobs, tokens, schedules and hooks; a job's deliveries.
  global_secondary_index {
    name            = "gsi1"
    hash_key        = "gsi1pk"
    range_key       = "gsi1sk"
    projection_type = "ALL"
  }

  # A tenant's jobs in one project, newest first.
  global_secondary_index {
    name            = "gsi2"
    hash_key        = "gsi2pk"
    range_key       = "gsi2sk"
    projection_type = "ALL"
  }

  # A tenant's jobs in one state, newest first.
  global_secondary_index {
    name            = "gsi3"
    hash_key        = "gsi3pk"
    range_key       = "gsi3sk"
    projection_type = "ALL"
  }

  # Work lists across tenants: jobs by state, pending deliveries by due time, active schedules by next fire time.
  global_secondary_index {
    name            = "gsi4"
    hash_key        = "gsi4pk"
    range_key       = "gsi4sk"
    projection_type = "ALL"
  }

  # Idempotency records and one-time claims carry an epoch-seconds expiry.
  ttl {
    attribute_name = "expiresAt"
    enabled        = true
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled = true
  }

  deletion_protection_enabled = true
}

output "dynamodb_table_name" {
  description = "Set SWITCHYARD_DYNAMODB_TABLE to this."
  value       = aws_dynamodb_table.state.name
}

output "dynamodb_table_arn" {
  description = "For IAM policies of the edge functions and drainers."
  value       = aws_dynamodb_table.state.arn
}
