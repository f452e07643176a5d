"""Users, organisations (保険者, 介護事業所, 医療機関, 国保連合会, the platform operator), memberships and API keys."""
