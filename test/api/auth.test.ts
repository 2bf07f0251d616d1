// Who may do what: READ keys query, INGEST keys also record purchases, ADMIN keys also upsert.
// Anonymous callers may read outside production only. A refused request writes nothing.
import {
  CategoriesDocument,
  CustomerByExternalIdDocument,
  CustomerDocument,
  CustomersDocument,
  ProductDocument,
  ProductsDocument,
  RecordPurchaseDocument,
  UpsertCustomerDocument,
  UpsertProductDocument,
} from "../../src/client/generated/graphql";
import { describeApi, type GraphQLResponse, type KeyName, TEST_KEYS, type TestApi } from "../support/api";

type Role = "READ" | "INGEST" | "ADMIN";
type Caller = "anonymous" | KeyName;
type RequestOptions = { as?: KeyName; headers?: Record<string, string> };

interface Operation {
  name: string;
  role: Role;
  run(api: TestApi, options: RequestOptions): Promise<GraphQLResponse<unknown>>;
}

let unique = 0;

/** Every root field and mutation, each called with input that succeeds for a caller allowed to. */
const OPERATIONS: Operation[] = [
  { name: "customer", role: "READ", run: (api, o) => api.request(CustomerDocument, { id: "1" }, o) },
  {
    name: "customerByExternalId",
    role: "READ",
    run: (api, o) => api.request(CustomerByExternalIdDocument, { externalId: "HH-1" }, o),
  },
  { name: "customers", role: "READ", run: (api, o) => api.request(CustomersDocument, { first: 5 }, o) },
  { name: "product", role: "READ", run: (api, o) => api.request(ProductDocument, { id: "1" }, o) },
  { name: "products", role: "READ", run: (api, o) => api.request(ProductsDocument, { first: 5 }, o) },
  { name: "categories", role: "READ", run: (api, o) => api.request(CategoriesDocument, {}, o) },
  {
    name: "recordPurchase",
    role: "INGEST",
    run: (api, o) =>
      api.request(
        RecordPurchaseDocument,
        { input: { customerExternalId: "HH-1", items: [{ sku: "MILK-1", quantity: 1, amount: 2 }] } },
        o,
      ),
  },
  {
    name: "upsertCustomer",
    role: "ADMIN",
    run: (api, o) =>
      api.request(
        UpsertCustomerDocument,
        { input: { externalId: `AUTH-${++unique}`, name: "Auth test" } },
        o,
      ),
  },
  {
    name: "upsertProduct",
    role: "ADMIN",
    run: (api, o) =>
      api.request(
        UpsertProductDocument,
        { input: { sku: `AUTH-${++unique}`, name: "Auth test", category: "AUTH" } },
        o,
      ),
  },
];

const RANK: Record<Role, number> = { READ: 1, INGEST: 2, ADMIN: 3 };
const ROLE_OF: Record<KeyName, Role> = { read: "READ", ingest: "INGEST", admin: "ADMIN" };

async function seed(api: TestApi): Promise<void> {
  const db = api.database.prisma;
  await db.customer.create({ data: { externalId: "HH-1", name: "Ana" } });
  await db.product.create({ data: { sku: "MILK-1", name: "Milk", category: "DAIRY" } });
}

async function rowCounts(api: TestApi) {
  const db = api.database.prisma;
  return [
    await db.customer.count(),
    await db.product.count(),
    await db.purchase.count(),
    await db.purchaseItem.count(),
  ];
}

/** Runs the operation and checks it was refused with the code, the message and no write. */
async function expectRefused(
  api: TestApi,
  operation: Operation,
  options: RequestOptions,
  expected: { code: string; message: RegExp; status?: number },
): Promise<void> {
  const before = await rowCounts(api);
  const response = await operation.run(api, options);
  if (expected.status) expect(response.status).toBe(expected.status);
  expect(response.status).toBeLessThan(500);
  expect(response.errors).toEqual([
    expect.objectContaining({
      message: expect.stringMatching(expected.message),
      extensions: expect.objectContaining({ code: expected.code }),
    }),
  ]);
  expect(Object.values(response.data ?? {}).filter((value) => value !== null)).toEqual([]);
  expect(await rowCounts(api)).toEqual(before);
}

async function expectAllowed(api: TestApi, operation: Operation, options: RequestOptions): Promise<void> {
  const response = await operation.run(api, options);
  expect(response.errors).toBeUndefined();
  expect(response.status).toBe(200);
  expect(response.data).toEqual({ [operation.name]: expect.anything() });
}

describeApi("auth outside production", (api) => {
  beforeAll(() => seed(api));

  const matrix = OPERATIONS.flatMap((operation) =>
    (["anonymous", "read", "ingest", "admin"] as Caller[]).map((caller) => ({ operation, caller })),
  );

  describe.each(matrix)("$operation.name ($operation.role) as $caller", ({ operation, caller }) => {
    const options: RequestOptions = caller === "anonymous" ? {} : { as: caller };
    const allowed =
      caller === "anonymous" ? operation.role === "READ" : RANK[ROLE_OF[caller]] >= RANK[operation.role];

    if (allowed) {
      it("is allowed", () => expectAllowed(api, operation, options));
    } else if (caller === "anonymous") {
      it("is refused with HTTP 401 UNAUTHENTICATED like a wrong key, naming the role needed, and writes nothing", () =>
        expectRefused(api, operation, options, {
          code: "UNAUTHENTICATED",
          message: new RegExp(`^This operation needs an API key with the ${operation.role} role`),
          status: 401,
        }));
    } else {
      it("is refused with HTTP 403 FORBIDDEN, naming both roles, and writes nothing", () =>
        expectRefused(api, operation, options, {
          code: "FORBIDDEN",
          status: 403,
          message: new RegExp(
            `^This operation needs the ${operation.role} role; the API key sent has the ${ROLE_OF[caller as KeyName]} role$`,
          ),
        }));
    }
  });

  it.each(OPERATIONS)("$name with an unknown API key is refused with HTTP 401 UNAUTHENTICATED", (operation) =>
    expectRefused(
      api,
      operation,
      { headers: { authorization: "Bearer not-a-key-of-ours-0123456789" } },
      { code: "UNAUTHENTICATED", message: /^Invalid API key: the API key is not valid$/, status: 401 },
    ),
  );

  it.each([
    ["another scheme", `Basic ${TEST_KEYS.admin}`],
    ["no scheme", TEST_KEYS.admin],
    ["no key", "Bearer"],
    ["two words after Bearer", `Bearer ${TEST_KEYS.admin} extra`],
  ])("an Authorization header with %s is refused with HTTP 401 UNAUTHENTICATED", async (_, authorization) => {
    for (const operation of OPERATIONS.filter((o) => ["customers", "upsertProduct"].includes(o.name))) {
      await expectRefused(
        api,
        operation,
        { headers: { authorization } },
        {
          code: "UNAUTHENTICATED",
          message: /^Invalid API key: expected an Authorization header of the form: Bearer <api key>$/,
          status: 401,
        },
      );
    }
  });

  it("accepts the Bearer scheme in any letter case", async () => {
    const upsert = OPERATIONS.find((o) => o.name === "upsertProduct")!;
    await expectAllowed(api, upsert, { headers: { authorization: `bearer ${TEST_KEYS.admin}` } });
  });
});

describeApi(
  "auth in production",
  (api) => {
    beforeAll(() => seed(api));

    it.each(OPERATIONS)(
      "$name without a key is refused with HTTP 401 UNAUTHENTICATED and writes nothing",
      (operation) =>
        expectRefused(
          api,
          operation,
          {},
          { code: "UNAUTHENTICATED", message: /^An API key is required/, status: 401 },
        ),
    );

    it.each(OPERATIONS)("$name with an unknown key is refused with HTTP 401 UNAUTHENTICATED", (operation) =>
      expectRefused(
        api,
        operation,
        { headers: { authorization: "Bearer not-a-key-of-ours-0123456789" } },
        { code: "UNAUTHENTICATED", message: /^Invalid API key/, status: 401 },
      ),
    );

    it.each(OPERATIONS.filter((o) => o.role === "READ"))("$name is allowed with a READ key", (operation) =>
      expectAllowed(api, operation, { as: "read" }),
    );

    it("still refuses a READ key's writes with FORBIDDEN and an INGEST key's upserts", async () => {
      const [recordPurchase, upsertCustomer] = ["recordPurchase", "upsertCustomer"].map(
        (name) => OPERATIONS.find((o) => o.name === name)!,
      );
      await expectRefused(
        api,
        recordPurchase!,
        { as: "read" },
        { code: "FORBIDDEN", message: /needs the INGEST role/ },
      );
      await expectRefused(
        api,
        upsertCustomer!,
        { as: "ingest" },
        { code: "FORBIDDEN", message: /needs the ADMIN role/ },
      );
    });

    it.each(OPERATIONS.filter((o) => o.role !== "READ"))("$name is allowed with an ADMIN key", (operation) =>
      expectAllowed(api, operation, { as: "admin" }),
    );
  },
  { nodeEnv: "production" },
);

describeApi(
  "auth in production without admin keys",
  (api) => {
    beforeAll(() => seed(api));

    const adminOperations = OPERATIONS.filter((o) => o.role === "ADMIN");

    it.each(
      adminOperations.flatMap((operation) => (["read", "ingest"] as const).map((as) => ({ operation, as }))),
    )(
      "$operation.name with a $as key is refused with FORBIDDEN: admin operations are disabled",
      ({ operation, as }) =>
        expectRefused(
          api,
          operation,
          { as },
          { code: "FORBIDDEN", message: /^Admin operations are disabled: no ADMIN_API_KEYS are configured$/ },
        ),
    );

    it.each(adminOperations)(
      "$name with the (unconfigured) admin test key is refused with HTTP 401",
      (operation) =>
        expectRefused(
          api,
          operation,
          { as: "admin" },
          { code: "UNAUTHENTICATED", message: /^Invalid API key/, status: 401 },
        ),
    );

    it("still lets an INGEST key record purchases and a READ key read", async () => {
      await expectAllowed(api, OPERATIONS.find((o) => o.name === "recordPurchase")!, { as: "ingest" });
      await expectAllowed(api, OPERATIONS.find((o) => o.name === "customers")!, { as: "read" });
    });
  },
  { nodeEnv: "production", apiKeys: { read: [TEST_KEYS.read], ingest: [TEST_KEYS.ingest], admin: [] } },
);
