import { Counter, Histogram, Registry } from 'prom-client';
import { ContentRefusedError, QuotaExceededError, UpstreamTimeoutError } from '../common/errors.js';
import { capabilitiesOf } from './gemini-models.js';
import { ModelRetiredError } from './generation-outcome.js';
import { GenerationService } from './generation.service.js';
import type { ImageProvider, ImageRequest, ProvidedImage } from './image-provider.js';

const REQUEST: ImageRequest = { prompt: 'a lich', aspectRatio: '1:1', imageSize: '1K' };

function setup(answers: Array<ProvidedImage | Error>) {
  const provider: ImageProvider = {
    source: 'gemini',
    model: 'gemini-3.1-flash-image',
    capabilities: () => capabilitiesOf('gemini-3.1-flash-image'),
    generate: async () => {
      const next = answers.shift()!;
      if (next instanceof Error) throw next;
      return next;
    },
  };
  const registry = new Registry();
  const generations = new Counter({ name: 'generations', help: 'h', labelNames: ['source', 'outcome'], registers: [registry] });
  const duration = new Histogram({ name: 'duration', help: 'h', labelNames: ['source', 'outcome'], registers: [registry] });
  const outcomes = async () => (await generations.get()).values.map(({ labels, value }) => [labels.outcome, value]);
  return { service: new GenerationService(provider, generations, duration), outcomes, duration };
}

describe('GenerationService', () => {
  it('answers the provider’s picture and counts each call by how it ended', async () => {
    const image: ProvidedImage = { data: Buffer.from('png'), mimeType: 'image/png', source: 'gemini', model: 'gemini-3.1-flash-image' };
    const { service, outcomes, duration } = setup([
      image,
      new ContentRefusedError('no', 'IMAGE_SAFETY'),
      new QuotaExceededError('quota', 5),
      new ModelRetiredError('retired'),
      new UpstreamTimeoutError('slow'),
      new Error('bug'),
    ]);
    await expect(service.generate(REQUEST)).resolves.toBe(image);
    for (let call = 0; call < 5; call++) await service.generate(REQUEST).catch(() => undefined);
    expect(await outcomes()).toEqual([
      ['success', 1],
      ['refused', 1],
      ['quota', 1],
      ['retired', 1],
      ['timeout', 1],
      ['error', 1],
    ]);
    expect((await duration.get()).values.find((value) => value.metricName === 'duration_count' && value.labels.outcome === 'success')?.value).toBe(1);
  });

  it('passes the model in use and what it takes through', () => {
    const { service } = setup([]);
    expect([service.source, service.model, service.capabilities().maxCharacters]).toEqual(['gemini', 'gemini-3.1-flash-image', 4]);
  });
});
