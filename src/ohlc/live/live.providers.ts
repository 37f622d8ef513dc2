import { LiveBarsRepository } from './live-bars.repository';
import { LiveOverlay } from './live-overlay';
import { LivePoller } from './live-poller';
import { LiveStreamController } from './live-stream.controller';
import { LiveStreams } from './live-streams.service';
import { LiveUserSlots } from './live-user-slots';
import { LiveUserSlotsRepository } from './live-user-slots.repository';
import { LiveMetrics } from './live.metrics';

/** Registered by OhlcModule: the stream needs the OHLC service, the providers and the calendar. */
export const liveProviders = [LiveMetrics, LiveBarsRepository, LivePoller, LiveStreams, LiveOverlay, LiveUserSlotsRepository, LiveUserSlots];
export const liveControllers = [LiveStreamController];
