/**
 * The demo data set, generated from a fixed seed so every fresh start shows the same shop:
 * ~50 products, 20 drivers, 200 orders, 100 rides. It is produced once, as a whole, so that each
 * service's rows agree with the others' (an order item's `productName` copies its product's name),
 * and each service then writes only its own rows into its own database.
 */
export const demoCounts = { products: 50, drivers: 20, orders: 200, rides: 100 };

/** The demo counts times `scale` (the growth benchmark seeds 1x, 10x and 100x). */
export const scaledCounts = (scale: number): typeof demoCounts => ({
  products: demoCounts.products * scale,
  drivers: demoCounts.drivers * scale,
  orders: demoCounts.orders * scale,
  rides: demoCounts.rides * scale,
});

export function demoData(counts = demoCounts) {
  const random = mulberry32(20_261_126);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const between = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  let clock = Date.parse('2026-01-05T08:00:00Z');
  const nextId = () => {
    clock += between(60_000, 3_600_000);
    return uuidv7(clock, random);
  };
  const at = () => new Date(clock);

  const products = Array.from({ length: counts.products }, (_, i) => {
    const [noun, low, high] = pick(PRODUCT_KINDS);
    return {
      id: nextId(),
      sku: `SKU-${String(i + 1).padStart(4, '0')}`,
      name: `${pick(ADJECTIVES)} ${noun}`,
      description: `${pick(DESCRIPTIONS)} ${noun.toLowerCase()}.`,
      priceCents: between(low, high) * 100 - pick([0, 1, 5, 51]),
      createdAt: at(),
      updatedAt: at(),
    };
  });
  const stockLevels = products.map((product) => ({
    productId: product.id,
    quantity: pick([0, 3, 12, 40, 150, 500]),
  }));

  const drivers = Array.from({ length: counts.drivers }, (_, i) => {
    const [carMake, carModel] = pick(CARS);
    const ratingCount = between(5, 400);
    return {
      id: nextId(),
      name: `${pick(FIRST_NAMES)} ${pick(LAST_NAMES)}`,
      ratingCount,
      ratingTotal: Math.round(ratingCount * (3.6 + random() * 1.4)),
      carMake,
      carModel,
      carColor: pick(COLORS),
      carPlate: `${String.fromCharCode(65 + (i % 26))}${between(100, 999)}-${pick(['KX', 'TR', 'LM', 'QA', 'ZE'])}${i}`,
      createdAt: at(),
      updatedAt: at(),
    };
  });

  type Status = 'PLACED' | 'CONFIRMED' | 'SHIPPED' | 'REJECTED';
  // Seeded orders are history, consistent by construction: settled, so anti-entropy leaves them alone.
  const orders: { id: string; customerId: string; status: Status; createdAt: Date; settledAt: Date }[] = [];
  const orderItems: {
    id: string;
    orderId: string;
    position: number;
    productId: string;
    productName: string;
    unitPriceCents: number;
    quantity: number;
  }[] = [];
  const shipments: { id: string; orderId: string; status: string; createdAt: Date; updatedAt: Date }[] = [];
  const settled = (createdAt: Date) => ({ createdAt, settledAt: createdAt });
  for (let i = 0; i < counts.orders; i++) {
    const id = nextId();
    const status = pick<Status>(['PLACED', 'CONFIRMED', 'CONFIRMED', 'SHIPPED', 'SHIPPED', 'REJECTED']);
    orders.push({
      id,
      customerId: `customer-${String(between(1, 40)).padStart(3, '0')}`,
      status,
      ...settled(at()),
    });
    const chosen = new Set<(typeof products)[number]>();
    const size = between(1, 5);
    while (chosen.size < size) chosen.add(pick(products));
    [...chosen].forEach((product, position) => {
      orderItems.push({
        id: uuidv7(clock, random),
        orderId: id,
        position,
        productId: product.id,
        productName: product.name,
        unitPriceCents: product.priceCents,
        quantity: between(1, 3),
      });
    });
    const shipmentStatus = {
      PLACED: 'PENDING',
      CONFIRMED: 'PENDING',
      SHIPPED: 'SHIPPED',
      REJECTED: 'CANCELLED',
    } as const;
    shipments.push({
      id: uuidv7(clock, random),
      orderId: id,
      status: shipmentStatus[status],
      createdAt: at(),
      updatedAt: at(),
    });
  }

  const rides = Array.from({ length: counts.rides }, () => {
    const driver = pick(drivers);
    const status = pick(['REQUESTED', 'ACCEPTED', 'COMPLETED', 'COMPLETED', 'CANCELLED'] as const);
    const requestedAt = at();
    return {
      id: nextId(),
      riderId: `rider-${String(between(1, 30)).padStart(3, '0')}`,
      pickup: pick(PLACES),
      dropoff: pick(PLACES),
      status,
      driverId: driver.id,
      driverName: driver.name,
      requestedAt,
      ...(status === 'COMPLETED' ? { version: 2, completedAt: requestedAt } : {}),
    };
  });
  // The driver service's copy of the finished rides (what RideCompleted would have brought): the
  // rides a seeded rider may rate.
  const rateableRides = rides.flatMap((ride) =>
    ride.completedAt
      ? [{ rideId: ride.id, riderId: ride.riderId, driverId: ride.driverId, completedAt: ride.completedAt }]
      : [],
  );

  return { products, stockLevels, drivers, orders, orderItems, shipments, rides, rateableRides };
}

export type DemoData = ReturnType<typeof demoData>;

/** A UUIDv7 (time-ordered) from a given time: ids sort in creation order, as the API's pagination expects. */
function uuidv7(timeMs: number, random: () => number): string {
  const hex = timeMs.toString(16).padStart(12, '0');
  const rand = Array.from({ length: 20 }, () => Math.floor(random() * 16).toString(16)).join('');
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7${rand.slice(0, 3)}-${variant}${rand.slice(3, 6)}-${rand.slice(6, 18)}`;
}

/** A small seeded PRNG: the same sequence on every machine and Node.js version. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PRODUCT_KINDS: readonly (readonly [string, number, number])[] = [
  ['Espresso Machine', 180, 900],
  ['Coffee Grinder', 60, 350],
  ['Pour-Over Kettle', 35, 120],
  ['Chef Knife', 40, 260],
  ['Cast Iron Skillet', 25, 110],
  ['Dutch Oven', 70, 380],
  ['Stand Mixer', 250, 650],
  ['Cutting Board', 20, 90],
  ['Tea Set', 30, 160],
  ['Water Filter', 25, 80],
  ['Blender', 60, 480],
  ['Toaster', 30, 200],
];
const ADJECTIVES = [
  'Classic',
  'Compact',
  'Pro',
  'Artisan',
  'Everyday',
  'Nordic',
  'Heritage',
  'Studio',
  'Urban',
  'Alpine',
];
const DESCRIPTIONS = [
  'A dependable',
  'A beautifully made',
  'A space-saving',
  'A professional-grade',
  'An award-winning',
];
const FIRST_NAMES = [
  'Ana',
  'Bruno',
  'Chen',
  'Dara',
  'Elif',
  'Farid',
  'Grace',
  'Hugo',
  'Ines',
  'Jonas',
  'Keiko',
  'Luis',
  'Maya',
  'Nils',
  'Omar',
  'Priya',
];
const LAST_NAMES = [
  'Almeida',
  'Berg',
  'Costa',
  'Dubois',
  'Eriksen',
  'Fischer',
  'Garcia',
  'Haddad',
  'Ito',
  'Kowalski',
  'Larsen',
  'Moreau',
];
const CARS: readonly (readonly [string, string])[] = [
  ['Toyota', 'Prius'],
  ['Hyundai', 'Ioniq 5'],
  ['Tesla', 'Model 3'],
  ['Skoda', 'Octavia'],
  ['Kia', 'Niro'],
  ['Volkswagen', 'ID.4'],
  ['Renault', 'Zoe'],
];
const COLORS = ['black', 'white', 'silver', 'blue', 'red', 'grey', 'green'];
const PLACES = [
  'Central Station',
  'Airport Terminal 2',
  'Old Town Square',
  'City Library',
  'Harbour Front',
  'University Campus',
  'Riverside Park',
  'Tech Park',
  'Stadium',
  'Museum Quarter',
];
