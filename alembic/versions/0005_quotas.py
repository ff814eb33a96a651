"""Quotas: per-project limits, quota classes, what each project holds; an
operator's forced_down on a service; how a container was placed.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("forced_down", sa.Boolean(),
                                   nullable=False,
                                   server_default=sa.false()))
    with op.batch_alter_table("containers") as batch:
        batch.add_column(sa.Column("placement", sa.JSON()))
    op.create_table(
        "quotas",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.UniqueConstraint("project_id", "resource",
                            name="uniq_quotas0project_id0resource"))
    op.create_table(
        "quota_classes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("class_name", sa.String(255), nullable=False),
        sa.Column("resource", sa.String(255), nullable=False),
        sa.Column("hard_limit", sa.Integer(), nullable=False),
        sa.UniqueConstraint("class_name", "resource",
                            name="uniq_quota_classes0class_name0resource"))
    op.create_table(
        "project_usages",
        sa.Column("project_id", sa.String(255), primary_key=True),
        sa.Column("containers", sa.Integer(), nullable=False),
        sa.Column("memory_mb", sa.Integer(), nullable=False),
        sa.Column("cpu", sa.Double(), nullable=False))
    # What projects already hold, from their records (as claims count it).
    op.execute(
        "INSERT INTO project_usages (project_id, containers, memory_mb, cpu)"
        " SELECT project_id, COUNT(*), COALESCE(SUM(COALESCE("
        "claim_memory_mb, memory, 512)), 0), COALESCE(SUM(COALESCE("
        "claim_cpu, cpu, 1.0)), 0) FROM containers GROUP BY project_id")


def downgrade():
    op.drop_table("project_usages")
    op.drop_table("quota_classes")
    op.drop_table("quotas")
    with op.batch_alter_table("containers") as batch:
        batch.drop_column("placement")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("forced_down")
