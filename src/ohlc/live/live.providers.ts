import { LiveBarsRepository } from './live-bars.repository';
import { LiveOverlay } from './live-overlay';
import { LivePoller } from './live-poller';
import { LiveStreamController } from './live-stream.controller';
import { LiveStreams } from './live-streams.service';
import { LiveMetrics } from './live.metrics';

/** Registered by OhlcModule: the stream needs the OHLC service, the providers and the calendar. */
export const liveProviders = [LiveMetrics, LiveBarsRepository, LivePoller, LiveStreams, LiveOverlay];
export const liveControllers = [LiveStreamController];
