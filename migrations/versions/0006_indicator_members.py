"""the Parties in each indicator value's denominator

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 14:06:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('indicator_value', sa.Column('members', sa.JSON(), nullable=False, server_default=sa.text("'[]'")))


def downgrade():
    with op.batch_alter_table('indicator_value', schema=None) as batch_op:
        batch_op.drop_column('members')
