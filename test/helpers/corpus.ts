/**
 * A small synthetic review corpus for tests: each review mixes filler words with sentiment words whose
 * polarity follows its star rating, so a model can learn it and a constant predictor cannot.
 */
import { Rng } from '../../model/rng.js';

const POSITIVE = ['great', 'delicious', 'friendly', 'amazing', 'excellent', 'love', 'perfect', 'fresh', 'wonderful', 'best'];
const NEGATIVE = ['terrible', 'rude', 'cold', 'awful', 'worst', 'dirty', 'bland', 'slow', 'disappointing', 'never'];
const FILLER = ['the', 'food', 'service', 'we', 'ordered', 'table', 'place', 'was', 'and', 'our', 'dinner', 'menu', 'staff', 'a', 'it', 'price', 'lunch', 'room'];

export interface Review {
  text: string;
  rating: number;
}

export function syntheticReviews(n: number, seed = 7): Review[] {
  const rng = new Rng(seed);
  const reviews: Review[] = [];
  for (let i = 0; i < n; i++) {
    const rating = 1 + rng.int(5);
    const words: string[] = [];
    const length = 8 + rng.int(12);
    const pPositive = (rating - 1) / 4;
    for (let w = 0; w < length; w++) {
      const u = rng.uniform();
      if (u < 0.35) words.push(rng.uniform() < pPositive ? POSITIVE[rng.int(POSITIVE.length)] : NEGATIVE[rng.int(NEGATIVE.length)]);
      else words.push(FILLER[rng.int(FILLER.length)]);
    }
    reviews.push({ text: `${words.join(' ')}.`, rating });
  }
  return reviews;
}
