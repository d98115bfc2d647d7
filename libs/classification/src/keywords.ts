import { normaliseText } from './cache-key.ts';

// Function words of the languages customers most often write in; they never make a useful keyword.
const STOPWORDS = new Set(
  (
    'a an the and or but if of to in on at for with is are was were be been am i you he she it we they my your our me ' +
    'this that these those do does did have has had not no yes can could would should will just so very please hi hello ' +
    'thanks thank o a os as um uma de da do das dos em no na e é que por para com meu minha el la los las un una y en ' +
    'por con mi es der die das und ist ich nicht ein eine le les des et est je pas il'
  ).split(' '),
);

/** Content words of a text, in order of appearance, without repeats. */
export function contentWords(text: string): string[] {
  return [
    ...new Set(
      normaliseText(text)
        .split(/[^\p{L}\p{N}]+/u)
        .filter((t) => t.length > 1 && !STOPWORDS.has(t)),
    ),
  ];
}

/** Up to `max` keywords: the longest content words, which carry the most meaning in short messages. */
export function keywordsOf(text: string, max = 5): string[] {
  const words = contentWords(text);
  const chosen = new Set([...words].sort((a, b) => b.length - a.length).slice(0, max));
  return words.filter((w) => chosen.has(w));
}
