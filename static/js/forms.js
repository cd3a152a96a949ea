// Narrows a product-model input's suggestions to the vendor chosen in the same form.
document.querySelectorAll("input[data-products-for]").forEach((input) => {
  const vendor = document.getElementById(input.dataset.productsFor);
  if (!vendor) return;
  const narrow = () => {
    const list = document.getElementById("products-" + vendor.value);
    input.setAttribute("list", list ? list.id : "products-all");
  };
  vendor.addEventListener("change", narrow);
  narrow();
});
