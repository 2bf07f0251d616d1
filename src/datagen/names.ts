// Customer names and e-mail addresses: drawn from short fixed lists, so they depend only on the
// customer's random stream. Addresses embed seed and index, which makes them unique across seeds too.
import type { Random } from "./random";

export const FIRST_NAMES: readonly string[] = [
  "Ana",
  "Ben",
  "Carla",
  "David",
  "Elena",
  "Farid",
  "Grace",
  "Hiro",
  "Ines",
  "James",
  "Kofi",
  "Laura",
  "Mateo",
  "Nadia",
  "Omar",
  "Priya",
  "Quinn",
  "Rosa",
  "Sam",
  "Tara",
  "Umar",
  "Vera",
  "Wei",
  "Ximena",
  "Yusuf",
  "Zoe",
  "Liam",
  "Maya",
  "Noah",
  "Olga",
];

export const LAST_NAMES: readonly string[] = [
  "Silva",
  "Smith",
  "Garcia",
  "Nguyen",
  "Kim",
  "Okafor",
  "Müller",
  "Rossi",
  "Novak",
  "Haddad",
  "Johnson",
  "Lopez",
  "Chen",
  "Patel",
  "Kowalski",
  "Andersen",
  "Dubois",
  "Tanaka",
  "Ivanova",
  "Mensah",
  "Brown",
  "Costa",
  "Singh",
  "Ahmed",
  "Walsh",
  "Moreau",
  "Santos",
  "Fischer",
  "Yilmaz",
  "Reyes",
];

export interface PersonName {
  first: string;
  last: string;
}

/** A first and last name from the lists. */
export function drawName(random: Random): PersonName {
  return { first: random.pick(FIRST_NAMES), last: random.pick(LAST_NAMES) };
}

/**
 * A unique, obviously synthetic address (example.com is reserved for examples).
 *
 * @example syntheticEmail({ first: "Ana", last: "Müller" }, 1, 42) // "ana.muller.1.42@example.com"
 */
export function syntheticEmail(name: PersonName, seed: number, index: number): string {
  const local = `${name.first}.${name.last}`
    .normalize("NFD")
    .replace(/[^A-Za-z.]/g, "")
    .toLowerCase();
  return `${local}.${seed}.${index}@example.com`;
}
