"""Pages of the relicensing area, one module per noun; `relicensing.urls` wires them."""
