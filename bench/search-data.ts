/**
 * 100,000 image rows for the search benchmark: straight into the service's `images` table
 * with better-sqlite3, in one transaction, after the service has created the schema (its
 * migrations). The FTS5 triggers index every prompt and style as the rows go in. No files are
 * written: search reads rows only.
 *
 * The rows look like a long-used library: D&D prompts composed from a few hundred words
 * (some common, as "dragon", some rare), a style on most, an item type and id on most,
 * mostly Gemini with some local and imported pictures, ~3 % featured, ~2 % soft-deleted,
 * created over two years in insertion order (imports carry older dates). Each row takes the
 * next image number from the `sequences` row, as the service would have (so numbers follow
 * insertion, and v1 routes find every row); some came from old clients (a component), some
 * were fetched by number (a use count). A fixed seed makes every run search the same rows.
 */
import Database from 'better-sqlite3';
import { imageNumbers, type ImageRow, INSERT_IMAGE_SQL, toDbDate } from './lib/images-table.js';
import { seededRandom } from './lib/random.js';

const SUBJECTS = [
  'red dragon', 'ancient black dragon', 'dragon turtle', 'young silver dragon', 'dragonborn paladin', 'dwarf cleric',
  'dwarf blacksmith', 'duergar warband', 'elven ranger', 'drow priestess', 'half-elf bard', 'halfling rogue',
  'gnome artificer', 'tiefling warlock', 'human fighter', 'orc chieftain', 'goblin shaman', 'hobgoblin legion',
  'kobold trapmaker', 'beholder', 'mind flayer', 'lich', 'vampire lord', 'owlbear', 'displacer beast', 'gelatinous cube',
  'mimic chest', 'frost giant', 'hill giant', 'storm giant', 'treant', 'dryad', 'unicorn', 'pegasus', 'griffon rider',
  'kraken', 'sahuagin raiders', 'yuan-ti abomination', 'rakshasa', 'bugbear ambusher', 'gnoll pack', 'wererat',
  'werewolf', 'skeleton archers', 'zombie horde', 'death knight', 'banshee', 'wraith', 'flameskull', 'iron golem',
  'clay golem', 'tarrasque', 'aboleth', 'hag coven', 'fire elemental', 'water weird', 'air elemental', 'earth elemental',
  'wizard apprentice', 'archmage', 'necromancer', 'druid circle', 'monk of the open hand', 'barbarian berserker',
  'sorcerer prodigy', 'tavern keeper', 'city guard captain', 'merchant caravan', 'thieves guild', 'noble envoy',
];
const ACTIONS = [
  'guarding', 'emerging from', 'resting in', 'fighting in', 'exploring', 'casting a spell over', 'hiding in', 'ruling',
  'hunting through', 'flying over', 'praying in', 'bargaining in', 'escaping', 'standing watch over', 'feasting in',
];
const PLACES = [
  'a ruined keep', 'a flooded crypt', 'the Underdark', 'a misty forest', 'a dwarven forge', 'a crowded tavern',
  'a desert tomb', 'a frozen pass', 'a volcanic caldera', 'a sunken temple', 'a haunted manor', 'a wizard tower',
  'a goblin warren', 'a moonlit glade', 'a pirate cove', 'a mountain monastery', 'a bustling bazaar', 'a royal throne room',
  'a spider-infested cavern', 'a crystal cave', 'a storm-wracked coast', 'an elven city', 'a sewer labyrinth',
  'a dragon hoard', 'a planar rift', 'a swamp village', 'a battlefield at dusk', 'a library of forbidden lore',
];
const DETAILS = [
  '', '', '', ' at dawn', ' under a blood moon', ' in the rain', ' by torchlight', ' wreathed in arcane fire',
  ' holding a glowing sword', ' surrounded by treasure', ' with runes glowing on the walls', ' in heavy snow',
  ' as lightning splits the sky', ' amid falling ash', ' beside a bubbling cauldron', ' with a loyal wolf',
];
const STYLES = [
  'oil painting', 'watercolor', 'ink sketch', 'dark fantasy', 'pixel art', 'concept art', 'isometric map tile',
  'stained glass', 'woodcut', 'comic book', 'charcoal drawing', 'art nouveau', 'painterly realism', 'low poly',
];
/** With weights: characters and monsters dominate, as they would in a campaign. */
const ITEM_TYPES: readonly [string | null, number][] = [
  [null, 25], ['character', 20], ['monster', 18], ['npc', 10], ['location', 9], ['item', 6], ['weapon', 4],
  ['armor', 2], ['spell', 3], ['vehicle', 1], ['scene', 2],
];
/** What the old backend's clients name themselves (v1's `component`). */
const COMPONENTS = ['scene-viewer', 'item-card', 'character-sheet', 'map-editor'];
const SOURCES: readonly [ImageRow['source'], number][] = [['gemini', 85], ['local', 10], ['import', 5]];
const ASPECT_RATIOS: readonly [string, number, number, number][] = [
  // ratio, weight, width, height (ASPECT_RATIO_SIZES in src/generation/image-provider.ts)
  ['1:1', 50, 1024, 1024], ['16:9', 15, 1344, 768], ['3:2', 10, 1248, 832], ['2:3', 10, 832, 1248], ['9:16', 5, 768, 1344],
  ['4:3', 5, 1184, 864], ['21:9', 5, 1536, 672],
];

const DAY_MS = 86_400_000;

export interface SeedSummary {
  rows: number;
  active: number;
  featured: number;
  /** The item with the most active images: what a subject filter is measured with. */
  busiestItem: { id: string; images: number };
  /** The image numbers the rows took (the `images` sequence now stands at `last`). */
  numbers: { first: number; last: number };
  seconds: number;
  dbBytes: number;
}

/** Inserts `count` rows into the images table of the (migrated, not running) database at `dbPath`. */
export function seedImages(dbPath: string, count: number, now = new Date()): SeedSummary {
  const next = seededRandom(0x5eed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)];
  const weighted = <T extends readonly [unknown, number, ...unknown[]]>(list: readonly T[]): T => {
    const total = list.reduce((sum, entry) => sum + entry[1], 0);
    let roll = next() * total;
    for (const entry of list) if ((roll -= entry[1]) < 0) return entry;
    return list[list.length - 1];
  };
  const hex = (length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(next() * 4)]}${hex(3)}-${hex(12)}`;

  // The columns added with v1 draw from a generator of their own: the rows every earlier
  // figure was measured on stay what they were.
  const nextV1 = seededRandom(0x5eed01);

  const started = performance.now();
  const db = new Database(dbPath, { fileMustExist: true });
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare<ImageRow>(INSERT_IMAGE_SQL);
  const takeNumbers = imageNumbers(db);
  const spanMs = 730 * DAY_MS;
  const first = now.getTime() - spanMs;
  let featured = 0;
  let deleted = 0;
  let firstNumber = 0;
  db.transaction(() => {
    firstNumber = takeNumbers(count);
    for (let i = 0; i < count; i++) {
      const [source] = weighted(SOURCES);
      const [itemType] = weighted(ITEM_TYPES);
      const [aspectRatio, , width, height] = weighted(ASPECT_RATIOS);
      const scale = Math.min(200 / width, 200 / height);
      // Generated rows arrive in time order; imports bring pictures from before.
      const createdMs = first + (source === 'import' ? next() : 1) * (i / count) * spanMs;
      const isFeatured = next() < 0.03;
      const isDeleted = next() < 0.02;
      featured += Number(isFeatured && !isDeleted);
      deleted += Number(isDeleted);
      const used = nextV1() < 0.3;
      insert.run({
        id: uuid(),
        number: firstNumber + i,
        prompt: `${pick(SUBJECTS)} ${pick(ACTIONS)} ${pick(PLACES)}${pick(DETAILS)}`,
        style: next() < 0.7 ? pick(STYLES) : null,
        item_id: itemType ? `${itemType}-${Math.floor(next() * 5000)}` : null,
        item_type: itemType,
        featured: Number(isFeatured),
        source,
        model: source === 'gemini' ? 'gemini-2.5-flash-image' : null,
        aspect_ratio: source === 'import' ? null : aspectRatio,
        width,
        height,
        size_bytes: 60_000 + Math.floor(next() * 340_000),
        thumbnail_width: Math.round(width * scale),
        thumbnail_height: Math.round(height * scale),
        thumbnail_size_bytes: 3_000 + Math.floor(next() * 9_000),
        content_hash: hex(64),
        component: source !== 'import' && nextV1() < 0.4 ? COMPONENTS[Math.floor(nextV1() * COMPONENTS.length)] : null,
        custom_prompt: null,
        use_count: used ? 1 + Math.floor(nextV1() * 50) : 0,
        last_used_at: used ? toDbDate(new Date(Math.min(now.getTime(), createdMs + nextV1() * 60 * DAY_MS))) : null,
        generation_ms: source === 'gemini' ? 3_000 + Math.floor(nextV1() * 12_000) : source === 'local' ? 50 + Math.floor(nextV1() * 250) : null,
        parent_id: null,
        source_hash: source === 'import' ? hex(64) : null,
        created_at: toDbDate(new Date(createdMs)),
        deleted_at: isDeleted ? toDbDate(new Date(Math.min(now.getTime(), createdMs + next() * 30 * DAY_MS))) : null,
      });
    }
  })();
  const busiestItem = db
    .prepare<[], { id: string; images: number }>(
      `SELECT "item_id" AS "id", COUNT(*) AS "images" FROM "images" WHERE "item_id" IS NOT NULL AND "deleted_at" IS NULL GROUP BY "item_id" ORDER BY "images" DESC, "item_id" LIMIT 1`,
    )
    .get();
  if (!busiestItem) throw new Error('No seeded image has an item');
  db.pragma('wal_checkpoint(TRUNCATE)');
  const pageCount = db.pragma('page_count', { simple: true }) as number;
  const pageSize = db.pragma('page_size', { simple: true }) as number;
  db.close();
  return {
    rows: count,
    active: count - deleted,
    featured,
    busiestItem,
    numbers: { first: firstNumber, last: firstNumber + count - 1 },
    seconds: (performance.now() - started) / 1000,
    dbBytes: pageCount * pageSize,
  };
}
