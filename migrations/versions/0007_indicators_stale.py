"""changes to the data behind a cycle's indicators that no recomputation has taken in yet

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 15:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'indicator_change',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('cycle_id', sa.Integer(), nullable=False),
        sa.Column('changed_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['cycle_id'], ['assessment_cycle.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('indicator_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_change_cycle_id'), ['cycle_id'], unique=False)


def downgrade():
    with op.batch_alter_table('indicator_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_change_cycle_id'))
    op.drop_table('indicator_change')
