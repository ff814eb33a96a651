"""Liveness and requests carried out from the action log: a conductor's
last gap between two heartbeats, when a peer judged it lost, since when
(and why) its Docker Engine has not answered; what each request asked,
and which conductor took it.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("services") as batch:
        batch.add_column(sa.Column("gap_start", sa.DateTime()))
        batch.add_column(sa.Column("gap_end", sa.DateTime()))
        batch.add_column(sa.Column("judged_lost_at", sa.DateTime()))
        batch.add_column(sa.Column("engine_down_since", sa.DateTime()))
        batch.add_column(sa.Column("engine_error", sa.Text()))
    with op.batch_alter_table("container_actions") as batch:
        batch.add_column(sa.Column("options", sa.JSON()))
        batch.add_column(sa.Column("taken_by", sa.String(64)))


def downgrade():
    with op.batch_alter_table("container_actions") as batch:
        batch.drop_column("taken_by")
        batch.drop_column("options")
    with op.batch_alter_table("services") as batch:
        batch.drop_column("engine_error")
        batch.drop_column("engine_down_since")
        batch.drop_column("judged_lost_at")
        batch.drop_column("gap_end")
        batch.drop_column("gap_start")
