"""The staff workbench (工作台): queues and daily work, by role."""
