import { CategoriesDocument, UpsertProductDocument } from "../../src/client/generated/graphql";
import { describeApi } from "../support/api";

describeApi("API smoke", (api) => {
  it("serves health and readiness", async () => {
    expect(await api.raw({ path: "/healthz", method: "GET" })).toMatchObject({ status: 200 });
    expect(await api.raw({ path: "/readyz", method: "GET" })).toMatchObject({ status: 200 });
  });

  it("lets an admin upsert a product and anyone read categories outside production", async () => {
    const upsert = await api.request(
      UpsertProductDocument,
      { input: { sku: "MILK-1", name: "Whole milk", category: "FLUID MILK PRODUCTS" } },
      { as: "admin" },
    );
    expect(upsert.errors).toBeUndefined();
    const categories = await api.request(CategoriesDocument);
    expect(categories.data?.categories).toEqual([{ name: "FLUID MILK PRODUCTS", productCount: 1 }]);
  });
});
