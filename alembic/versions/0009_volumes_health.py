"""Volumes, health checks and auto_heal: a project's named volumes (each
on the host that made it), what a container mounts, its health check,
the health Docker last reported and whether the conductor heals it.

Revision ID: 0009
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "volumes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("user_id", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("created_for", sa.String(36), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("uuid", name="uniq_volumes0uuid"),
        sa.UniqueConstraint("project_id", "name",
                            name="uniq_volumes0project_id0name"),
    )
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("mounts", sa.JSON()))
        batch.add_column(sa.Column("healthcheck", sa.JSON()))
        batch.add_column(sa.Column("health", sa.String(20)))
        batch.add_column(sa.Column("auto_heal", sa.Boolean(),
                                   nullable=False,
                                   server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("containers") as batch:
        batch.drop_column("auto_heal")
        batch.drop_column("health")
        batch.drop_column("healthcheck")
        batch.drop_column("mounts")
    op.drop_table("volumes")
