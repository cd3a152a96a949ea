"""The price book: SKUs with their price and the product models they apply to."""

from django.db import models

from contracts.choices import PER_CHASSIS_KINDS, SkuKind


class Sku(models.Model):
    code = models.CharField(max_length=64, unique=True)
    kind = models.CharField(max_length=16, choices=SkuKind.choices)
    description = models.CharField(max_length=255)
    vendor = models.ForeignKey("relicensing.Vendor", on_delete=models.PROTECT, related_name="skus")
    price = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    products = models.ManyToManyField(
        "relicensing.Product", through="SkuProduct", related_name="skus", blank=True
    )
    non_refundable = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = "SKU"
        constraints = [
            models.CheckConstraint(condition=models.Q(price__gte=0), name="sku_price_not_negative"),
            models.CheckConstraint(condition=models.Q(kind__in=SkuKind.values), name="sku_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.code


class SkuProduct(models.Model):
    """A SKU applies to a product. `kind` repeats the SKU's so the database itself can hold
    a chassis to exactly one inspection, support-year and OS-licence SKU."""

    sku = models.ForeignKey(Sku, on_delete=models.CASCADE, related_name="applies_to")
    product = models.ForeignKey("relicensing.Product", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=SkuKind.choices, editable=False)

    class Meta:
        verbose_name = "product the SKU applies to"
        constraints = [
            models.UniqueConstraint(fields=["sku", "product"], name="sku_product_unique"),
            models.UniqueConstraint(
                fields=["product", "kind"],
                condition=models.Q(kind__in=[k.value for k in PER_CHASSIS_KINDS]),
                name="one_fee_sku_of_each_kind_per_product",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sku} → {self.product}"

    def save(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        self.kind = self.sku.kind
        super().save(*args, **kwargs)
