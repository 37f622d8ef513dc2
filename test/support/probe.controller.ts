import { Body, Controller, Get, Post } from '@nestjs/common';
import { IsString, MaxLength } from 'class-validator';
import { AdminOnly, CurrentUser, type AuthenticatedUser } from '../../src/common/auth/auth.decorators';
import { Public } from '../../src/common/auth/auth.decorators';

class EchoBody {
  @IsString()
  @MaxLength(10)
  name!: string;
}

/**
 * Routes that exist only in tests, mounted into the real AppModule, to drive the shared pipeline
 * (pipe, guard, filter) through paths no production route takes on purpose, such as a crash.
 */
@Controller('__probe')
export class ProbeController {
  @Post('echo')
  @Public()
  echo(@Body() body: EchoBody): EchoBody {
    return body;
  }

  @Get('crash')
  @Public()
  crash(): never {
    throw new Error('secret internal detail at /srv/app/file.ts:42');
  }

  @Get('me')
  me(@CurrentUser() user: AuthenticatedUser): AuthenticatedUser {
    return user;
  }

  @Get('admin')
  @AdminOnly()
  admin(): { ok: true } {
    return { ok: true };
  }
}
