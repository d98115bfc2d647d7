import { franc } from 'franc-min';
import { iso6393 } from 'iso-639-3';

const toBcp47 = new Map(iso6393.filter((l) => l.iso6391).map((l) => [l.iso6393, l.iso6391 ?? l.iso6393]));
const toIso6393 = new Map([...toBcp47].map(([three, two]) => [two, three]));

/**
 * The language of a message (BCP 47, or "und"), by trigram statistics (franc). Restricted to the
 * languages a deployment expects: over all 80 languages franc takes "I was charged twice" for Quechua.
 */
export class LanguageDetector {
  private readonly only: string[];

  /** `languages`: BCP 47 codes such as en, es, pt, de; unknown codes are an error, not ignored. */
  constructor(languages: readonly string[]) {
    this.only = languages.map((code) => {
      const three = toIso6393.get(code) ?? (toBcp47.has(code) ? code : undefined);
      if (!three) throw new Error(`unknown language code "${code}" (use ISO 639-1, such as en or pt)`);
      return three;
    });
  }

  /** Too short or unclear: "und". */
  detect(text: string): string {
    const found = franc(text, { only: this.only, minLength: 8 });
    return found === 'und' ? 'und' : (toBcp47.get(found) ?? found);
  }
}

export const DEFAULT_LANGUAGES = ['en', 'es', 'pt', 'de', 'fr', 'it', 'nl'] as const;
