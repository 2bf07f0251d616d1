// The synthetic grocery catalogue and each staple's documented cadence. Category and subcategory
// names follow the retail data the importers read (Complete Journey's COMMODITY_DESC and
// SUB_COMMODITY_DESC), so predictors see the same vocabulary on generated and real data.
// docs/DATA_GENERATION.md describes these numbers; tests derive their expectations from them.

/** A product as the seeder writes it (the fields of a ProductRecord) plus its shelf price. */
export interface CatalogueProduct {
  sku: string;
  name: string;
  category: string;
  subcategory: string;
  brand: string;
  packageSize: string;
  /** Price of one unit (one package, or one pound for products sold by weight). */
  price: number;
  /** Relative popularity: how often a household picks it as its usual product or as an impulse buy. */
  share: number;
}

/** How many units a household takes when it buys. */
export type QuantityRule =
  /** Whole packages, with the probability of each count. */
  | { kind: "units"; weights: ReadonlyArray<readonly [quantity: number, weight: number]> }
  /** Sold by weight: uniform between min and max, in hundredths. */
  | { kind: "weight"; min: number; max: number };

/** What a household needs before a staple applies to it at all. */
export type Requirement = "baby" | "dog" | "cat";

/** A category households buy on a cadence: the quantity bought decides when they need it again. */
export interface StapleCategory {
  /** Short stable name used in code and docs, e.g. "milk". */
  key: string;
  category: string;
  subcategory: string;
  /**
   * Days one unit lasts a reference household (REFERENCE_HOUSEHOLD_SIZE people, personal factor 1).
   * Every product of a category has the same content, so only the quantity changes the interval.
   */
  daysPerUnit: number;
  /** Days per unit scale with (REFERENCE_HOUSEHOLD_SIZE / size) ^ sizeElasticity; 0 = size does not matter. */
  sizeElasticity: number;
  /** Probability that an eligible household buys the category regularly. */
  adoption: number;
  requires?: Requirement;
  quantity: QuantityRule;
  products: readonly CatalogueProduct[];
}

/** A category bought at random, without a cadence (impulse and meal-plan items). */
export interface OccasionalCategory {
  key: string;
  category: string;
  /** Relative frequency among occasional lines. */
  weight: number;
  products: readonly CatalogueProduct[];
}

/** The household size whose cadence the catalogue states; sizeFactor(staple, 2) = 1. */
export const REFERENCE_HOUSEHOLD_SIZE = 2;

/** Quantities of occasional lines. */
export const OCCASIONAL_QUANTITY: QuantityRule = {
  kind: "units",
  weights: [
    [1, 0.8],
    [2, 0.17],
    [3, 0.03],
  ],
};

export const STAPLES: readonly StapleCategory[] = [
  staple("milk", "FLUID MILK PRODUCTS", "FLUID MILK WHITE ONLY", "1 GA", {
    daysPerUnit: 7,
    sizeElasticity: 0.8,
    adoption: 0.8,
    quantity: units([1, 0.6], [2, 0.35], [3, 0.05]),
    products: [
      ["Hometown", "Whole Milk", 3.29, 0.45],
      ["Green Pastures", "2% Reduced Fat Milk", 3.79, 0.3],
      ["Hometown", "1% Lowfat Milk", 3.19, 0.15],
      ["Sunrise Dairy", "Organic Whole Milk", 5.99, 0.1],
    ],
  }),
  staple("bread", "BAKED BREAD/BUNS/ROLLS", "MAINSTREAM WHITE BREAD", "20 OZ", {
    daysPerUnit: 6,
    sizeElasticity: 0.7,
    adoption: 0.75,
    quantity: units([1, 0.75], [2, 0.25]),
    products: [
      ["Hometown", "Sandwich White Bread", 1.79, 0.4],
      ["Golden Crust", "Classic White Bread", 2.99, 0.35],
      ["Baker's Choice", "Butter Top White Bread", 3.49, 0.25],
    ],
  }),
  staple("eggs", "EGGS", "EGGS - LARGE", "12 CT", {
    daysPerUnit: 10,
    sizeElasticity: 0.8,
    adoption: 0.7,
    quantity: units([1, 0.8], [2, 0.2]),
    products: [
      ["Hometown", "Grade A Large Eggs", 2.49, 0.5],
      ["Sunny Hen", "Cage-Free Large Eggs", 3.99, 0.3],
      ["Pasture Gold", "Organic Large Eggs", 5.49, 0.2],
    ],
  }),
  staple("coffee", "COFFEE", "GROUND COFFEE", "12 OZ", {
    daysPerUnit: 14,
    sizeElasticity: 0.5,
    adoption: 0.55,
    quantity: units([1, 0.7], [2, 0.3]),
    products: [
      ["Morning Roast", "Classic Ground Coffee", 6.99, 0.4],
      ["Hometown", "Medium Roast Ground Coffee", 5.49, 0.35],
      ["Highland Peaks", "Dark Roast Ground Coffee", 9.99, 0.25],
    ],
  }),
  staple("cereal", "COLD CEREAL", "ALL FAMILY CEREAL", "12 OZ", {
    daysPerUnit: 9,
    sizeElasticity: 0.8,
    adoption: 0.5,
    quantity: units([1, 0.65], [2, 0.35]),
    products: [
      ["Toasty", "Whole Grain Oat Cereal", 3.99, 0.4],
      ["Hometown", "Corn Flakes", 2.49, 0.35],
      ["Sunny Morning", "Honey Crunch Cereal", 4.29, 0.25],
    ],
  }),
  staple("cheese", "CHEESE", "SHREDDED CHEESE", "8 OZ", {
    daysPerUnit: 12,
    sizeElasticity: 0.8,
    adoption: 0.6,
    quantity: units([1, 0.6], [2, 0.4]),
    products: [
      ["Hometown", "Shredded Mild Cheddar", 2.29, 0.45],
      ["Dairy Valley", "Shredded Mozzarella", 2.99, 0.35],
      ["Dairy Valley", "Shredded Mexican Blend", 2.99, 0.2],
    ],
  }),
  staple("bananas", "TROPICAL FRUIT", "BANANAS", "LB", {
    daysPerUnit: 2.8,
    sizeElasticity: 0.8,
    adoption: 0.6,
    quantity: { kind: "weight", min: 1.5, max: 3.5 },
    products: [
      ["Fresh Market", "Bananas", 0.59, 0.8],
      ["Fresh Market", "Organic Bananas", 0.79, 0.2],
    ],
  }),
  staple("detergent", "LAUNDRY DETERGENTS", "LIQUID LAUNDRY DETERGENTS", "50 OZ", {
    daysPerUnit: 45,
    sizeElasticity: 0.7,
    adoption: 0.6,
    quantity: units([1, 0.85], [2, 0.15]),
    products: [
      ["FreshWave", "Liquid Laundry Detergent Original", 7.99, 0.4],
      ["Hometown", "Free & Clear Liquid Detergent", 5.49, 0.35],
      ["BrightDay", "Liquid Laundry Detergent Spring", 9.49, 0.25],
    ],
  }),
  staple("bathTissue", "BATH TISSUES", "TOILET TISSUE", "12 RL", {
    daysPerUnit: 35,
    sizeElasticity: 0.9,
    adoption: 0.75,
    quantity: units([1, 0.85], [2, 0.15]),
    products: [
      ["SoftCloud", "Double Roll Bath Tissue", 8.99, 0.4],
      ["Hometown", "Bath Tissue Double Roll", 6.49, 0.4],
      ["Comfort Plus", "Ultra Soft Bath Tissue", 11.49, 0.2],
    ],
  }),
  staple("paperTowels", "PAPER TOWELS", "PAPER TOWELS & HOLDERS", "6 RL", {
    daysPerUnit: 40,
    sizeElasticity: 0.7,
    adoption: 0.5,
    quantity: units([1, 0.9], [2, 0.1]),
    products: [
      ["SoftCloud", "Select-A-Size Paper Towels", 9.99, 0.4],
      ["Hometown", "Paper Towels", 6.99, 0.4],
      ["ToughSheet", "Heavy Duty Paper Towels", 11.99, 0.2],
    ],
  }),
  staple("diapers", "DIAPERS & DISPOSABLES", "BABY DIAPERS", "40 CT", {
    daysPerUnit: 6,
    sizeElasticity: 0,
    adoption: 0.9,
    requires: "baby",
    quantity: units([1, 0.7], [2, 0.3]),
    products: [
      ["Little Steps", "Baby Diapers Size 3", 12.99, 0.45],
      ["Hometown", "Baby Diapers Size 3", 8.99, 0.35],
      ["CozyBum", "Overnight Diapers Size 3", 14.49, 0.2],
    ],
  }),
  staple("dogFood", "DOG FOODS", "DRY DOG FOOD", "15 LB", {
    daysPerUnit: 30,
    sizeElasticity: 0,
    adoption: 0.85,
    requires: "dog",
    quantity: units([1, 0.9], [2, 0.1]),
    products: [
      ["Hearty Paws", "Adult Dry Dog Food", 18.99, 0.45],
      ["Hometown", "Dog Food Chicken & Rice", 12.99, 0.35],
      ["Pack Leader", "Grain Free Dry Dog Food", 24.99, 0.2],
    ],
  }),
  staple("catFood", "CAT FOOD", "DRY CAT FOOD", "7 LB", {
    daysPerUnit: 40,
    sizeElasticity: 0,
    adoption: 0.85,
    requires: "cat",
    quantity: units([1, 0.85], [2, 0.15]),
    products: [
      ["Whisker Feast", "Indoor Dry Cat Food", 11.99, 0.45],
      ["Hometown", "Cat Food Ocean Fish", 7.99, 0.35],
      ["Purr Select", "Adult Dry Cat Food", 13.49, 0.2],
    ],
  }),
];

export const OCCASIONALS: readonly OccasionalCategory[] = [
  occasional("softDrinks", "SOFT DRINKS", 8, [
    ["SOFT DRINKS 12/18&15PK CAN CAR", "Fizz", "Cola 12 Pack", "12 PK", 5.99, 0.45],
    ["SOFT DRINKS 12/18&15PK CAN CAR", "Hometown", "Lemon-Lime Soda 12 Pack", "12 PK", 3.99, 0.3],
    ["SFT DRNK 2 LITER BTL CARB INCL", "Fizz", "Cola 2 Liter", "2 LTR", 2.29, 0.25],
  ]),
  occasional("bagSnacks", "BAG SNACKS", 7, [
    ["POTATO CHIPS", "Crispers", "Classic Potato Chips", "8 OZ", 3.99, 0.4],
    ["TORTILLA/NACHO CHIPS", "Crispers", "Tortilla Chips", "11 OZ", 3.79, 0.35],
    ["POTATO CHIPS", "Hometown", "Rippled Potato Chips", "9 OZ", 2.49, 0.25],
  ]),
  occasional("yogurt", "YOGURT", 6, [
    ["YOGURT NOT MULTI-PACKS", "Dairy Valley", "Greek Yogurt Plain", "32 OZ", 5.49, 0.4],
    ["YOGURT NOT MULTI-PACKS", "Hometown", "Strawberry Yogurt", "6 OZ", 0.69, 0.35],
    ["YOGURT MULTI-PACKS", "Sunrise Dairy", "Kids Yogurt Tubes", "8 CT", 3.29, 0.25],
  ]),
  occasional("vegetables", "VEGETABLES - ALL OTHERS", 6, [
    ["CUCUMBERS", "Produce", "Cucumber", "1 CT", 0.79, 0.35],
    ["PEPPERS-ALL", "Produce", "Green Bell Pepper", "1 CT", 0.99, 0.35],
    ["CELERY", "Produce", "Celery Hearts", "16 OZ", 2.49, 0.3],
  ]),
  occasional("frozenPizza", "FROZEN PIZZA", 5, [
    ["PIZZA/TRADITIONAL", "Stone Oven", "Pepperoni Pizza", "21 OZ", 5.99, 0.45],
    ["PIZZA/PREMIUM", "Stone Oven", "Supreme Thin Crust Pizza", "19 OZ", 7.49, 0.3],
    ["PIZZA/ECONOMY", "Hometown", "Cheese Pizza", "16 OZ", 2.99, 0.25],
  ]),
  occasional("beef", "BEEF", 5, [
    ["LEAN", "Butcher's Best", "Ground Beef 85% Lean", "1 LB", 5.49, 0.5],
    ["PRIMAL", "Butcher's Best", "Chuck Roast", "2.5 LB", 14.99, 0.25],
    ["SELECT BEEF", "Butcher's Best", "Sirloin Steak", "1 LB", 9.99, 0.25],
  ]),
  occasional("chicken", "CHICKEN", 5, [
    ["CHICKEN BREAST BONELESS", "Farm Fresh", "Boneless Chicken Breasts", "1.5 LB", 7.49, 0.5],
    ["CHICKEN LEGS/THIGHS/DRUMS", "Farm Fresh", "Chicken Drumsticks", "2 LB", 4.99, 0.3],
    ["CHICKEN WINGS", "Farm Fresh", "Party Wings", "2.5 LB", 9.99, 0.2],
  ]),
  occasional("soup", "SOUP", 4, [
    ["CONDENSED SOUP", "Kettle Classic", "Chicken Noodle Soup", "10.75 OZ", 1.49, 0.45],
    ["CONDENSED SOUP", "Kettle Classic", "Tomato Soup", "10.75 OZ", 1.29, 0.35],
    ["RTS SOUP: CHUNKY/HOMESTYLE", "Hometown", "Vegetable Beef Soup", "18.8 OZ", 2.49, 0.2],
  ]),
  occasional("lunchMeat", "LUNCHMEAT", 4, [
    ["BOLOGNA", "Deli Select", "Beef Bologna", "16 OZ", 3.49, 0.3],
    ["SLICED TURKEY", "Deli Select", "Oven Roasted Turkey", "9 OZ", 4.29, 0.4],
    ["HAM", "Hometown", "Honey Ham", "16 OZ", 3.99, 0.3],
  ]),
  occasional("tomatoes", "TOMATOES", 4, [
    ["TOMATOES HOTHOUSE ON THE VINE", "Produce", "Tomatoes on the Vine", "1 LB", 2.99, 0.5],
    ["TOMATOES GRAPE", "Produce", "Grape Tomatoes", "10 OZ", 2.49, 0.5],
  ]),
  occasional("apples", "APPLES", 4, [
    ["APPLES GALA (BULK&BAG)", "Produce", "Gala Apples Bag", "3 LB", 3.99, 0.5],
    ["APPLES HONEYCRISP", "Produce", "Honeycrisp Apples", "2 LB", 5.49, 0.5],
  ]),
  occasional("candy", "CANDY - PACKAGED", 4, [
    ["CANDY BARS (SINGLES)", "ChocoJoy", "Milk Chocolate Bar", "1.5 OZ", 1.19, 0.5],
    ["CANDY BAGS-CHOCOLATE", "ChocoJoy", "Chocolate Minis Bag", "10 OZ", 4.49, 0.3],
    ["CANDY BAGS-NON CHOCOLATE", "Hometown", "Gummy Bears", "12 OZ", 2.29, 0.2],
  ]),
  occasional("iceCream", "ICE CREAM/MILK/SHERBTS", 3, [
    ["PREMIUM", "Creamy Creek", "Vanilla Bean Ice Cream", "48 OZ", 4.99, 0.5],
    ["TRADITIONAL", "Hometown", "Neapolitan Ice Cream", "48 OZ", 3.49, 0.5],
  ]),
  occasional("crackers", "CRACKERS/MISC BKD FD", 3, [
    ["SNACK CRACKERS", "Golden Crust", "Butter Crackers", "13.7 OZ", 3.49, 0.5],
    ["SALTINE/OYSTER", "Hometown", "Saltine Crackers", "16 OZ", 1.99, 0.5],
  ]),
  occasional("pasta", "DRY NOODLES & PASTA", 3, [
    ["DRY PASTA", "Nonna's", "Spaghetti", "16 OZ", 1.49, 0.5],
    ["DRY PASTA", "Hometown", "Elbow Macaroni", "16 OZ", 0.99, 0.5],
  ]),
  occasional("beer", "BEERS/ALES", 3, [
    ["BEERS/ALES", "Red Barn", "Lager 12 Pack", "12 PK", 13.99, 0.6],
    ["BEERS/ALES", "Hop Valley", "IPA 6 Pack", "6 PK", 10.99, 0.4],
  ]),
  occasional("oralHygiene", "ORAL HYGIENE PRODUCTS", 2, [
    ["TOOTHPASTE", "BrightSmile", "Whitening Toothpaste", "4.8 OZ", 3.49, 0.6],
    ["TOOTHBRUSHES", "BrightSmile", "Soft Toothbrushes 2 Pack", "2 CT", 4.99, 0.4],
  ]),
];

/** Every product, staples first, in a fixed order. */
export const CATALOGUE_PRODUCTS: readonly CatalogueProduct[] = [
  ...STAPLES.flatMap((s) => s.products),
  ...OCCASIONALS.flatMap((o) => o.products),
];

/**
 * The size factor of the documented cadence: days per unit for a household of `size` people are
 * staple.daysPerUnit × sizeFactor(staple, size).
 *
 * @example sizeFactor(milk, 4) // (2 / 4) ^ 0.8 ≈ 0.574: a family of four empties a gallon in ~4 days
 */
export function sizeFactor(staple: StapleCategory, size: number): number {
  return (REFERENCE_HOUSEHOLD_SIZE / size) ** staple.sizeElasticity;
}

/** The staple category with this key; throws for an unknown key. */
export function stapleByKey(key: string): StapleCategory {
  const found = STAPLES.find((s) => s.key === key);
  if (!found) {
    throw new RangeError(
      `Unknown staple ${JSON.stringify(key)}: expected one of ${STAPLES.map((s) => s.key)}`,
    );
  }
  return found;
}

/** The staple a SKU belongs to, or undefined for occasional products and unknown SKUs. */
export function stapleOfSku(sku: string): StapleCategory | undefined {
  return STAPLE_BY_SKU.get(sku);
}

// ---- private helpers ----

const STAPLE_BY_SKU = new Map(STAPLES.flatMap((s) => s.products.map((p) => [p.sku, s] as const)));

type ProductRow = readonly [brand: string, description: string, price: number, share: number];

function staple(
  key: string,
  category: string,
  subcategory: string,
  packageSize: string,
  spec: Omit<StapleCategory, "key" | "category" | "subcategory" | "products"> & {
    products: readonly ProductRow[];
  },
): StapleCategory {
  const products = spec.products.map(([brand, description, price, share], i) => ({
    sku: sku(key, i),
    name: `${brand} ${description} ${packageSize}`,
    category,
    subcategory,
    brand,
    packageSize,
    price,
    share,
  }));
  return { ...spec, key, category, subcategory, products };
}

type OccasionalRow = readonly [
  subcategory: string,
  brand: string,
  description: string,
  packageSize: string,
  price: number,
  share: number,
];

function occasional(
  key: string,
  category: string,
  weight: number,
  rows: readonly OccasionalRow[],
): OccasionalCategory {
  const products = rows.map(([subcategory, brand, description, packageSize, price, share], i) => ({
    sku: sku(key, i),
    name: `${brand} ${description} ${packageSize}`,
    category,
    subcategory,
    brand,
    packageSize,
    price,
    share,
  }));
  return { key, category, weight, products };
}

function units(...weights: Array<readonly [number, number]>): QuantityRule {
  return { kind: "units", weights };
}

/** "SYN-" marks generated products, so they never collide with an importer's SKUs. */
function sku(key: string, index: number): string {
  return `SYN-${key.replace(/[A-Z]/g, (c) => `-${c}`).toUpperCase()}-${String(index + 1).padStart(2, "0")}`;
}
