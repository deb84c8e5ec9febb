"""The stack of one stage: its CloudFormation template, its IAM policies and its packaging."""
