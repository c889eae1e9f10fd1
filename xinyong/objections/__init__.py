"""Credit information objections (信用信息异议): filing, acceptance, disputed mark, decision."""
