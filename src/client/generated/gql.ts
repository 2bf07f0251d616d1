/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Customer($id: ID!, $last: Int = 20) {\n  customer(id: $id) {\n    id\n    externalId\n    name\n    email\n    createdAt\n    purchases(last: $last) {\n      ...PurchaseDetails\n    }\n  }\n}\n\nquery CustomerByExternalId($externalId: String!) {\n  customerByExternalId(externalId: $externalId) {\n    id\n    externalId\n    name\n    email\n  }\n}\n\nquery Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    edges {\n      cursor\n      node {\n        id\n        externalId\n        name\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery CustomersWithHistory($first: Int, $last: Int = 20) {\n  customers(first: $first) {\n    edges {\n      node {\n        id\n        purchases(last: $last) {\n          ...PurchaseDetails\n        }\n      }\n    }\n  }\n}\n\nmutation UpsertCustomer($input: UpsertCustomerInput!) {\n  upsertCustomer(input: $input) {\n    id\n    externalId\n    name\n    email\n  }\n}": typeof types.CustomerDocument,
    "query Product($id: ID!) {\n  product(id: $id) {\n    ...ProductDetails\n  }\n}\n\nquery Products($first: Int, $after: String, $category: String, $search: String) {\n  products(first: $first, after: $after, category: $category, search: $search) {\n    edges {\n      cursor\n      node {\n        ...ProductDetails\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Categories {\n  categories {\n    name\n    productCount\n  }\n}\n\nmutation UpsertProduct($input: UpsertProductInput!) {\n  upsertProduct(input: $input) {\n    ...ProductDetails\n  }\n}\n\nfragment ProductDetails on Product {\n  id\n  sku\n  name\n  category\n  subcategory\n  brand\n  packageSize\n  createdAt\n}": typeof types.ProductDocument,
    "mutation RecordPurchase($input: RecordPurchaseInput!) {\n  recordPurchase(input: $input) {\n    created\n    purchase {\n      ...PurchaseDetails\n      idempotencyKey\n      createdAt\n      customer {\n        id\n        externalId\n      }\n    }\n  }\n}\n\nfragment PurchaseDetails on Purchase {\n  id\n  purchasedAt\n  storeId\n  total\n  items {\n    id\n    quantity\n    amount\n    product {\n      id\n      sku\n      name\n      category\n    }\n  }\n}": typeof types.RecordPurchaseDocument,
};
const documents: Documents = {
    "query Customer($id: ID!, $last: Int = 20) {\n  customer(id: $id) {\n    id\n    externalId\n    name\n    email\n    createdAt\n    purchases(last: $last) {\n      ...PurchaseDetails\n    }\n  }\n}\n\nquery CustomerByExternalId($externalId: String!) {\n  customerByExternalId(externalId: $externalId) {\n    id\n    externalId\n    name\n    email\n  }\n}\n\nquery Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    edges {\n      cursor\n      node {\n        id\n        externalId\n        name\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery CustomersWithHistory($first: Int, $last: Int = 20) {\n  customers(first: $first) {\n    edges {\n      node {\n        id\n        purchases(last: $last) {\n          ...PurchaseDetails\n        }\n      }\n    }\n  }\n}\n\nmutation UpsertCustomer($input: UpsertCustomerInput!) {\n  upsertCustomer(input: $input) {\n    id\n    externalId\n    name\n    email\n  }\n}": types.CustomerDocument,
    "query Product($id: ID!) {\n  product(id: $id) {\n    ...ProductDetails\n  }\n}\n\nquery Products($first: Int, $after: String, $category: String, $search: String) {\n  products(first: $first, after: $after, category: $category, search: $search) {\n    edges {\n      cursor\n      node {\n        ...ProductDetails\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Categories {\n  categories {\n    name\n    productCount\n  }\n}\n\nmutation UpsertProduct($input: UpsertProductInput!) {\n  upsertProduct(input: $input) {\n    ...ProductDetails\n  }\n}\n\nfragment ProductDetails on Product {\n  id\n  sku\n  name\n  category\n  subcategory\n  brand\n  packageSize\n  createdAt\n}": types.ProductDocument,
    "mutation RecordPurchase($input: RecordPurchaseInput!) {\n  recordPurchase(input: $input) {\n    created\n    purchase {\n      ...PurchaseDetails\n      idempotencyKey\n      createdAt\n      customer {\n        id\n        externalId\n      }\n    }\n  }\n}\n\nfragment PurchaseDetails on Purchase {\n  id\n  purchasedAt\n  storeId\n  total\n  items {\n    id\n    quantity\n    amount\n    product {\n      id\n      sku\n      name\n      category\n    }\n  }\n}": types.RecordPurchaseDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Customer($id: ID!, $last: Int = 20) {\n  customer(id: $id) {\n    id\n    externalId\n    name\n    email\n    createdAt\n    purchases(last: $last) {\n      ...PurchaseDetails\n    }\n  }\n}\n\nquery CustomerByExternalId($externalId: String!) {\n  customerByExternalId(externalId: $externalId) {\n    id\n    externalId\n    name\n    email\n  }\n}\n\nquery Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    edges {\n      cursor\n      node {\n        id\n        externalId\n        name\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery CustomersWithHistory($first: Int, $last: Int = 20) {\n  customers(first: $first) {\n    edges {\n      node {\n        id\n        purchases(last: $last) {\n          ...PurchaseDetails\n        }\n      }\n    }\n  }\n}\n\nmutation UpsertCustomer($input: UpsertCustomerInput!) {\n  upsertCustomer(input: $input) {\n    id\n    externalId\n    name\n    email\n  }\n}"): (typeof documents)["query Customer($id: ID!, $last: Int = 20) {\n  customer(id: $id) {\n    id\n    externalId\n    name\n    email\n    createdAt\n    purchases(last: $last) {\n      ...PurchaseDetails\n    }\n  }\n}\n\nquery CustomerByExternalId($externalId: String!) {\n  customerByExternalId(externalId: $externalId) {\n    id\n    externalId\n    name\n    email\n  }\n}\n\nquery Customers($first: Int, $after: String, $search: String) {\n  customers(first: $first, after: $after, search: $search) {\n    edges {\n      cursor\n      node {\n        id\n        externalId\n        name\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery CustomersWithHistory($first: Int, $last: Int = 20) {\n  customers(first: $first) {\n    edges {\n      node {\n        id\n        purchases(last: $last) {\n          ...PurchaseDetails\n        }\n      }\n    }\n  }\n}\n\nmutation UpsertCustomer($input: UpsertCustomerInput!) {\n  upsertCustomer(input: $input) {\n    id\n    externalId\n    name\n    email\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Product($id: ID!) {\n  product(id: $id) {\n    ...ProductDetails\n  }\n}\n\nquery Products($first: Int, $after: String, $category: String, $search: String) {\n  products(first: $first, after: $after, category: $category, search: $search) {\n    edges {\n      cursor\n      node {\n        ...ProductDetails\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Categories {\n  categories {\n    name\n    productCount\n  }\n}\n\nmutation UpsertProduct($input: UpsertProductInput!) {\n  upsertProduct(input: $input) {\n    ...ProductDetails\n  }\n}\n\nfragment ProductDetails on Product {\n  id\n  sku\n  name\n  category\n  subcategory\n  brand\n  packageSize\n  createdAt\n}"): (typeof documents)["query Product($id: ID!) {\n  product(id: $id) {\n    ...ProductDetails\n  }\n}\n\nquery Products($first: Int, $after: String, $category: String, $search: String) {\n  products(first: $first, after: $after, category: $category, search: $search) {\n    edges {\n      cursor\n      node {\n        ...ProductDetails\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}\n\nquery Categories {\n  categories {\n    name\n    productCount\n  }\n}\n\nmutation UpsertProduct($input: UpsertProductInput!) {\n  upsertProduct(input: $input) {\n    ...ProductDetails\n  }\n}\n\nfragment ProductDetails on Product {\n  id\n  sku\n  name\n  category\n  subcategory\n  brand\n  packageSize\n  createdAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RecordPurchase($input: RecordPurchaseInput!) {\n  recordPurchase(input: $input) {\n    created\n    purchase {\n      ...PurchaseDetails\n      idempotencyKey\n      createdAt\n      customer {\n        id\n        externalId\n      }\n    }\n  }\n}\n\nfragment PurchaseDetails on Purchase {\n  id\n  purchasedAt\n  storeId\n  total\n  items {\n    id\n    quantity\n    amount\n    product {\n      id\n      sku\n      name\n      category\n    }\n  }\n}"): (typeof documents)["mutation RecordPurchase($input: RecordPurchaseInput!) {\n  recordPurchase(input: $input) {\n    created\n    purchase {\n      ...PurchaseDetails\n      idempotencyKey\n      createdAt\n      customer {\n        id\n        externalId\n      }\n    }\n  }\n}\n\nfragment PurchaseDetails on Purchase {\n  id\n  purchasedAt\n  storeId\n  total\n  items {\n    id\n    quantity\n    amount\n    product {\n      id\n      sku\n      name\n      category\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;