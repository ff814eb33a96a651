"""Index the end of actions: the reconcile pass looks for unfinished ones.

Revision ID: 0003
Revises: 0002
"""
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_container_actions_finish_time", "container_actions",
                    ["finish_time"])


def downgrade():
    op.drop_index("ix_container_actions_finish_time",
                  table_name="container_actions")
