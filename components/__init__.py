"""Pulumi components that declare durable function apps the zero-downtime way."""
